import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readClientFile, readRefreshToken, runInstalledAppFlow, YOUTUBE_SCOPES } from "../../worker/publish/oauth.ts";
import { FakeYouTube } from "../fakes/youtube.ts";
import { writeClientFile } from "./helpers.ts";

let fake: FakeYouTube;
let dir: string;

beforeEach(async () => {
  fake = new FakeYouTube();
  await fake.start();
  dir = await mkdtemp(join(tmpdir(), "oauth-"));
});

afterEach(async () => {
  await fake.stop();
  await rm(dir, { recursive: true, force: true });
});

describe("factory youtube auth (installed-app flow)", () => {
  it("takes the code from the loopback redirect, exchanges it with PKCE and saves the refresh token mode 0600", async () => {
    await writeClientFile(join(dir, "client.json"), fake);
    const client = await readClientFile(join(dir, "client.json"));
    const tokenFile = join(dir, "youtube", "token.json");
    let staleAnswer = 0;

    const saved = await runInstalledAppFlow({
      client,
      tokenFile,
      now: () => new Date("2026-11-25T10:00:00Z"),
      openBrowser: async (url) => {
        // Play the browser: check the consent link, then follow Google's redirect back.
        const u = new URL(url);
        expect(u.origin + u.pathname).toBe(`${fake.rootUrl}auth`);
        expect(u.searchParams.get("client_id")).toBe(fake.clientId);
        expect(u.searchParams.get("access_type")).toBe("offline");
        expect(u.searchParams.get("code_challenge_method")).toBe("S256");
        expect(u.searchParams.get("scope")?.split(" ")).toEqual(YOUTUBE_SCOPES);
        const redirect = u.searchParams.get("redirect_uri")!;
        expect(redirect).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/oauth2callback$/);
        staleAnswer = (await fetch(`${redirect}?code=other&state=not-the-state`)).status;
        fake.authCodes.set("4/code-from-google", redirect);
        const res = await fetch(`${redirect}?code=${encodeURIComponent("4/code-from-google")}&state=${u.searchParams.get("state")}`);
        expect(await res.text()).toMatch(/signed in/);
      },
    });

    expect(saved).toBe(tokenFile);
    expect(staleAnswer).toBe(400);
    expect((await stat(tokenFile)).mode & 0o777).toBe(0o600);
    expect(await readRefreshToken(tokenFile)).toBe(fake.refreshToken);
    expect(JSON.parse(await readFile(tokenFile, "utf8"))).toMatchObject({ savedAt: "2026-11-25T10:00:00.000Z" });
    expect(fake.problems).toEqual([]);
  });

  it("explains a missing or wrong client file", async () => {
    await expect(readClientFile(join(dir, "nope.json"))).rejects.toThrow(/No OAuth client file .*Desktop app/);
    await writeFile(join(dir, "web.json"), JSON.stringify({ web: { client_id: "x", client_secret: "y" } }));
    await expect(readClientFile(join(dir, "web.json"))).rejects.toThrow(/"Web application" client does not work/);
  });
});
