/**
 * Test inputs for publishing: a real (tiny) mp4 made with the npm ffmpeg, an SRT, a PNG, and an
 * OAuth client signed in against the fake YouTube.
 */
import { execFile } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import ffmpegInstaller from "@ffmpeg-installer/ffmpeg";
import type { Auth } from "googleapis";
import { oauthClient, saveRefreshToken } from "../../worker/publish/oauth.ts";
import type { FakeYouTube } from "../fakes/youtube.ts";

const run = promisify(execFile);

/** Writes lesson.mp4 (1 s of colour and a sine tone), captions.srt and thumbnail.png into `dir`. */
export async function makeLessonFiles(dir: string, seconds = 1): Promise<{ video: string; captions: string; thumbnail: string }> {
  await mkdir(dir, { recursive: true });
  const video = join(dir, "lesson.mp4");
  await run(ffmpegInstaller.path, [
    "-hide_banner", "-loglevel", "error", "-y",
    "-f", "lavfi", "-i", `color=c=#1e3a5f:s=320x180:d=${seconds}`,
    "-f", "lavfi", "-i", `sine=frequency=440:duration=${seconds}`,
    "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest",
    video,
  ]);
  const captions = join(dir, "captions.srt");
  await writeFile(captions, "1\n00:00:00,000 --> 00:00:01,000\nOhm's law links voltage, current and resistance.\n");
  const thumbnail = join(dir, "thumbnail.png");
  // The PNG signature and an IHDR are enough for a fake that checks the content type and size.
  await writeFile(thumbnail, Buffer.from("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489", "hex"));
  return { video, captions, thumbnail };
}

/** An OAuth2 client for the fake, holding the fake's refresh token. */
export function fakeAuth(fake: FakeYouTube): Auth.OAuth2Client {
  const client = oauthClient({
    clientId: fake.clientId,
    clientSecret: fake.clientSecret,
    authUrl: `${fake.rootUrl}auth`,
    tokenUrl: fake.tokenUrl,
  });
  client.setCredentials({ refresh_token: fake.refreshToken });
  return client;
}

/** The Google "Desktop app" client JSON for the fake. */
export async function writeClientFile(path: string, fake: FakeYouTube): Promise<void> {
  await writeFile(
    path,
    JSON.stringify({
      installed: {
        client_id: fake.clientId,
        client_secret: fake.clientSecret,
        auth_uri: `${fake.rootUrl}auth`,
        token_uri: fake.tokenUrl,
        redirect_uris: ["http://localhost"],
      },
    }),
  );
}

/**
 * Pipeline settings that publish to `fake` as a signed-in owner: the client JSON and a saved
 * refresh token under `dir`.
 */
export async function fakeYouTubeSettings(dir: string, fake: FakeYouTube, now: number): Promise<Record<string, unknown>> {
  const clientFile = join(dir, "client.json");
  const tokenFile = join(dir, "token.json");
  await writeClientFile(clientFile, fake);
  await saveRefreshToken(tokenFile, fake.refreshToken, undefined, new Date(now));
  return { publish: { target: "youtube", youtube: { clientFile, tokenFile, rootUrl: fake.rootUrl, tokenUrl: fake.tokenUrl } } };
}

/** A recorder like StepContext's: an in-memory map (the durable case is the kill test's). */
export function memoryRecorder(initial: Record<string, string> = {}): {
  recorded: Record<string, string>;
  record(name: string, value: string): void;
  log: string[];
} {
  const recorded = { ...initial };
  const log: string[] = [];
  return {
    recorded,
    log,
    record(name, value) {
      recorded[name] = value;
      log.push(name);
    },
  };
}
