import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { FactoryIoClient, normaliseBaseUrl } from "../../../worker/learn/plants/factoryio-client.ts";
import { createFactoryIoPlant } from "../../../worker/learn/plants/factoryio.ts";
import { SORTING_TAGS, startRig, type Rig } from "./helpers.ts";

let rig: Rig | null = null;
let other: Server | null = null;
afterEach(async () => {
  if (rig) {
    expect(rig.fake.problems).toEqual([]);
    await rig.fake.close();
    rig = null;
  }
  if (other) {
    other.closeAllConnections();
    await new Promise<void>((resolve) => other!.close(() => resolve()));
    other = null;
  }
});

async function listen(server: Server): Promise<string> {
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("Factory I/O plant: the wire protocol", () => {
  it("reads inputs with one GET that carries the input ids as a JSON body, and writes outputs with one PUT by id", async () => {
    rig = await startRig();
    const plant = rig.plant();
    await plant.start();
    const readsBefore = rig.fake.requestsTo("GET /api/tag/values").length;
    const writesBefore = rig.fake.requestsTo("PUT /api/tag/values").length;

    await plant.readInputs();
    await plant.writeOutputs({ "Conveyor entry": true, Counter: 7 });

    const reads = rig.fake.requestsTo("GET /api/tag/values").slice(readsBefore);
    expect(reads).toHaveLength(1);
    expect(reads[0]!.contentType).toBe("application/json");
    expect(reads[0]!.body).toEqual([...SORTING_TAGS.filter((t) => t.direction === "input").map((t) => rig!.fake.tag(t.name, "input").id), rig.fake.tag("FACTORY I/O (Running)").id]);
    const writes = rig.fake.requestsTo("PUT /api/tag/values").slice(writesBefore);
    expect(writes.map((w) => w.body)).toEqual([
      [
        { id: rig.fake.tag("Conveyor entry").id, value: true },
        { id: rig.fake.tag("Counter").id, value: 7 },
      ],
    ]);
    expect(rig.fake.valueOf("Counter")).toBe(7);
    await plant.stop();
  });

  it("turns a per-item 404 inside an HTTP 200 answer into an error naming the vanished tag", async () => {
    rig = await startRig();
    const plant = rig.plant();
    await plant.start();
    rig.fake.removeTag("High sensor");
    await expect(plant.readInputs()).rejects.toThrow('tag "High sensor" no longer exists in Factory I/O (was the scene changed or another scene opened?)');
    await plant.stop();
  });

  it("turns a per-item 406 on a write into 'is an input; the program may only write outputs'", async () => {
    rig = await startRig();
    const plant = rig.plant();
    await plant.start();
    // The scene was edited after discovery: the tag became a sensor.
    rig.fake.tag("Stop light").kind = "input";
    await expect(plant.writeOutputs({ "Stop light": true, "Start light": true })).rejects.toThrow(
      'Factory I/O refused part of a write:\n  - tag "Stop light" is an input; the program may only write outputs',
    );
    await plant.stop();
  });

  it("refuses before sending when the program writes an input or a tag the task does not have", async () => {
    rig = await startRig();
    const plant = rig.plant();
    await plant.start();
    const before = rig.fake.requests.length;
    await expect(plant.writeOutputs({ Start: true })).rejects.toThrow('tag "Start" is an input; the program may only write outputs');
    await expect(plant.writeOutputs({ Lamp: true })).rejects.toThrow(/"Lamp" is not one of the task's output tags/);
    await expect(plant.writeOutputs({ Counter: 1.5 })).rejects.toThrow('The program gives 1.5 for "Counter", which is not an INT value.');
    await expect(plant.writeOutputs({ Counter: 40_000 })).rejects.toThrow(/40000 for "Counter", which is not an INT value/);
    await expect(plant.writeOutputs({ Emitter: 1 })).rejects.toThrow(/which is not a BOOL value/);
    expect(rig.fake.requests.length).toBe(before);
    await plant.stop();
  });

  it("checks every item of an answer, not the status line: a missing item is an error too", async () => {
    let answered = 0;
    other = createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        answered++;
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify([{ id: "a", value: true }]));
      });
    });
    const client = new FactoryIoClient({ baseUrl: await listen(other) });
    const { values, errors } = await client.readValues(["a", "b"]);
    expect(values.get("a")).toBe(true);
    expect(errors).toEqual([{ key: "b", code: 0, error: "missing from the answer" }]);
    expect(answered).toBe(1);
    await client.close();
  });

  it("explains a refused connection with what to check: edition, web server command, address", async () => {
    const server = createServer();
    const url = await listen(server);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const plant = createFactoryIoPlant({ baseUrl: url, sceneId: "s", tags: SORTING_TAGS });
    const error = await plant.start().then(
      () => null,
      (e: Error) => e,
    );
    expect(error?.name).toBe("FactoryIoError");
    expect(error?.message).toContain(`Nothing answers at ${url} (connection refused).`);
    expect(error?.message).toContain("Ultimate edition");
    expect(error?.message).toContain("app.web_server = True");
    expect(error?.message).toContain("FACTORY_IO_URL");
  });

  it("says something else answers when the address is a web server but not Factory I/O's Web API", async () => {
    other = createServer((_req, res) => res.writeHead(404, { "content-type": "text/html" }).end("<h1>Not Found</h1>"));
    const plant = createFactoryIoPlant({ baseUrl: await listen(other), sceneId: "s", tags: SORTING_TAGS });
    await expect(plant.start()).rejects.toThrow(/answered HTTP 404 to GET \/api\/tags \("<h1>Not Found<\/h1>"\)\. Something answers at that address, but not Factory I\/O's Web API/);
  });

  it("says so when the answer is not JSON at all", async () => {
    other = createServer((_req, res) => res.writeHead(200, { "content-type": "text/html" }).end("<html>router login</html>"));
    const plant = createFactoryIoPlant({ baseUrl: await listen(other), sceneId: "s", tags: SORTING_TAGS });
    await expect(plant.start()).rejects.toThrow(/with something other than JSON \("<html>router login<\/html>"\): another program is using that address/);
  });

  it("accepts host:port and trailing slashes, and refuses what is not an http address", () => {
    expect(normaliseBaseUrl("192.168.1.20:7410")).toBe("http://192.168.1.20:7410");
    expect(normaliseBaseUrl("http://localhost:7410/")).toBe("http://localhost:7410");
    expect(() => normaliseBaseUrl("ftp://pc:7410")).toThrow(/is not an http address/);
    expect(() => normaliseBaseUrl("http://pc:7410/api")).toThrow(/has a path/);
    expect(() => normaliseBaseUrl("http://")).toThrow(/is not an address/);
  });
});
