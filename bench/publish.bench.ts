/**
 * Publishing benchmark: what the resumable upload (chunking, OAuth-authenticated requests,
 * recovery after a dropped connection) costs over a plain single PUT of the same bytes, against
 * the loopback YouTube fake. Run alone: `node --import tsx bench/publish.bench.ts`.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { oauthClient } from "../worker/publish/oauth.ts";
import { sendFrom, startSession } from "../worker/publish/resumable.ts";
import { FakeYouTube } from "../test/fakes/youtube.ts";

const SIZE = 48 * 1024 * 1024;
const RUNS = 3;

const fake = new FakeYouTube();
await fake.start();
const dir = await mkdtemp(join(tmpdir(), "publish-bench-"));
const file = join(dir, "lesson.mp4");
const bytes = randomBytes(SIZE);
await writeFile(file, bytes);
const auth = oauthClient({ clientId: fake.clientId, clientSecret: fake.clientSecret, authUrl: `${fake.rootUrl}auth`, tokenUrl: fake.tokenUrl });
auth.setCredentials({ refresh_token: fake.refreshToken });

const session = () =>
  startSession(auth, {
    rootUrl: fake.rootUrl,
    parts: ["snippet", "status"],
    metadata: { snippet: { title: "Bench", description: "" }, status: { privacyStatus: "private" } },
    size: SIZE,
    mimeType: "video/mp4",
  });

async function median(label: string, fn: () => Promise<void>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    fake.videos.clear();
    fake.sessions.clear();
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const ms = times[Math.floor(RUNS / 2)]!;
  console.log(`${label.padEnd(44)} ${ms.toFixed(0).padStart(6)} ms  ${((SIZE / 1e6) / (ms / 1000)).toFixed(0).padStart(5)} MB/s`);
  return ms;
}

console.log(`resumable upload of ${SIZE / 1024 / 1024} MiB to the loopback fake, median of ${RUNS}`);
const baseline = await median("baseline: one plain PUT (fetch)", async () => {
  const uri = await session();
  const res = await fetch(uri, { method: "PUT", headers: { "Content-Range": `bytes 0-${SIZE - 1}/${SIZE}` }, body: bytes });
  if (res.status !== 200) throw new Error(`baseline PUT answered ${res.status}`);
});
const results: [string, number][] = [];
for (const chunk of [8, 1]) {
  results.push([
    `resumable, ${chunk} MiB chunks`,
    await median(`resumable, ${chunk} MiB chunks`, async () => {
      await sendFrom(auth, { sessionUri: await session(), file, size: SIZE, mimeType: "video/mp4", offset: 0, chunkSize: chunk * 1024 * 1024 });
    }),
  ]);
}
results.push([
  "resumable, 8 MiB chunks, cut at 50 % + resume",
  await median("resumable, 8 MiB chunks, cut at 50 % + resume", async () => {
    const uri = await session();
    fake.nextPutFault = { kind: "cut", afterBytes: 4 * 1024 * 1024 }; // mid-way through a chunk
    await sendFrom(auth, { sessionUri: uri, file, size: SIZE, mimeType: "video/mp4", offset: 0, chunkSize: 8 * 1024 * 1024 });
  }),
]);
console.log("\nratio to the plain PUT:");
for (const [label, ms] of results) console.log(`  ${label.padEnd(44)} ${(ms / baseline).toFixed(2)}×`);
if (fake.problems.length) throw new Error(`the fake saw protocol problems: ${fake.problems.join("; ")}`);
await fake.stop();
await rm(dir, { recursive: true, force: true });
