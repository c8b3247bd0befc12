/**
 * Signing in to YouTube: the OAuth 2.0 installed-app flow with a loopback redirect
 * (https://developers.google.com/identity/protocols/oauth2/native-app), PKCE and a state check,
 * and the refresh token kept in a file only the owner can read (mode 0600, written to a temp
 * file and renamed so a crash never leaves half a token).
 */
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { chmod, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname } from "node:path";
import { Auth } from "googleapis";
import { z } from "zod";
import { StepError } from "../pipeline/types.ts";
import type { YouTubeSettings } from "./settings.ts";

/** Upload videos, and manage them, their captions, thumbnails and playlists. */
export const YOUTUBE_SCOPES = [
  "https://www.googleapis.com/auth/youtube.upload",
  "https://www.googleapis.com/auth/youtube.force-ssl",
];

const ClientFile = z.object({
  installed: z.object({
    client_id: z.string().min(1),
    client_secret: z.string().min(1),
    auth_uri: z.string().url().optional(),
    token_uri: z.string().url().optional(),
  }),
});

const TokenFile = z.object({ refresh_token: z.string().min(1), scope: z.string().optional(), savedAt: z.string().optional() });

export interface OAuthClientConfig {
  clientId: string;
  clientSecret: string;
  authUrl: string;
  tokenUrl: string;
}

/** Reads the OAuth client JSON the Cloud console gives for a "Desktop app" client. */
export async function readClientFile(path: string, tokenUrlOverride?: string): Promise<OAuthClientConfig> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    throw new Error(
      `No OAuth client file at ${path}. Create a "Desktop app" OAuth client in the Google Cloud console, ` +
        "download its JSON there (see docs/publishing.md), or pass --client <file>.",
    );
  }
  let parsed: z.infer<typeof ClientFile>;
  try {
    parsed = ClientFile.parse(JSON.parse(text));
  } catch {
    throw new Error(
      `${path} is not a "Desktop app" OAuth client file (it needs an "installed" object with client_id and ` +
        'client_secret). Download it again from APIs & Services → Credentials; a "Web application" client does not work here.',
    );
  }
  return {
    clientId: parsed.installed.client_id,
    clientSecret: parsed.installed.client_secret,
    authUrl: parsed.installed.auth_uri ?? "https://accounts.google.com/o/oauth2/v2/auth",
    tokenUrl: tokenUrlOverride ?? parsed.installed.token_uri ?? "https://oauth2.googleapis.com/token",
  };
}

/** Writes the refresh token readable by the owner only (0600), atomically. */
export async function saveRefreshToken(path: string, refreshToken: string, scope: string | undefined, now: Date): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  const body = JSON.stringify({ refresh_token: refreshToken, scope, savedAt: now.toISOString() }, null, 2) + "\n";
  await writeFile(tmp, body, { mode: 0o600 });
  await chmod(tmp, 0o600); // the umask cannot widen it, but an existing file keeps its old mode
  await rename(tmp, path);
}

/** Reads the refresh token, or null when `factory youtube auth` has not been run. */
export async function readRefreshToken(path: string): Promise<string | null> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    return null;
  }
  const parsed = TokenFile.safeParse(safeJson(text));
  return parsed.success ? parsed.data.refresh_token : null;
}

/** An OAuth2 client for the configured endpoints (no credentials yet). */
export function oauthClient(cfg: OAuthClientConfig, redirectUri?: string): Auth.OAuth2Client {
  return new Auth.OAuth2Client({
    clientId: cfg.clientId,
    clientSecret: cfg.clientSecret,
    ...(redirectUri ? { redirectUri } : {}),
    endpoints: { oauth2TokenUrl: cfg.tokenUrl, oauth2AuthBaseUrl: cfg.authUrl },
  });
}

/**
 * The client the publisher uses: signed in with the saved refresh token. Fails with the next
 * step to take when the client file or the token is missing.
 */
export async function authorizedClient(yt: YouTubeSettings): Promise<Auth.OAuth2Client> {
  const cfg = await readClientFile(yt.clientFile, yt.tokenUrl);
  const refreshToken = await readRefreshToken(yt.tokenFile);
  if (!refreshToken) {
    throw new StepError(
      `Not signed in to YouTube: ${yt.tokenFile} is missing. Run \`factory youtube auth\`, or set ` +
        'settings.publish.target to "local" to publish into a folder instead.',
      false,
    );
  }
  const client = oauthClient(cfg);
  client.setCredentials({ refresh_token: refreshToken });
  return client;
}

export interface InstalledAppFlowOptions {
  client: OAuthClientConfig;
  tokenFile: string;
  /** Shows the consent URL to the owner (opens a browser, or prints it). */
  openBrowser: (url: string) => void | Promise<void>;
  signal?: AbortSignal;
  now?: () => Date;
}

/**
 * Runs the installed-app flow: listens on 127.0.0.1 (a free port), sends the owner to Google's
 * consent page, takes the code from the redirect, exchanges it (with the PKCE verifier) for a
 * refresh token and saves it. Resolves with the token file path.
 */
export async function runInstalledAppFlow(o: InstalledAppFlowOptions): Promise<string> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const redirectUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/oauth2callback`;
  try {
    const client = oauthClient(o.client, redirectUri);
    const { codeVerifier, codeChallenge } = await client.generateCodeVerifierAsync();
    const state = randomBytes(16).toString("hex");
    const authUrl = client.generateAuthUrl({
      access_type: "offline",
      prompt: "consent", // without it Google omits the refresh token on a second sign-in
      scope: YOUTUBE_SCOPES,
      state,
      code_challenge: codeChallenge,
      code_challenge_method: Auth.CodeChallengeMethod.S256,
    });

    const code = new Promise<string>((resolve, reject) => {
      o.signal?.addEventListener("abort", () => reject(new Error("sign-in cancelled")), { once: true });
      server.on("request", (req, res) => {
        const url = new URL(req.url ?? "/", redirectUri);
        if (url.pathname !== "/oauth2callback") {
          res.writeHead(404).end();
          return;
        }
        const error = url.searchParams.get("error");
        const got = url.searchParams.get("code");
        if (url.searchParams.get("state") !== state) {
          res.writeHead(400, { "Content-Type": "text/plain" }).end("This sign-in link is stale. Run `factory youtube auth` again.");
          return;
        }
        if (error || !got) {
          res.writeHead(200, { "Content-Type": "text/plain" }).end("Sign-in was not completed. You can close this tab.");
          reject(new Error(`Google sign-in was not completed (${error ?? "no code"}). Run \`factory youtube auth\` again.`));
          return;
        }
        res.writeHead(200, { "Content-Type": "text/plain" }).end("Agent Factory is signed in to YouTube. You can close this tab.");
        resolve(got);
      });
    });

    await o.openBrowser(authUrl);
    const { tokens } = await client.getToken({ code: await code, codeVerifier, redirect_uri: redirectUri });
    if (!tokens.refresh_token) {
      throw new Error(
        "Google returned no refresh token. Remove Agent Factory's access at https://myaccount.google.com/permissions " +
          "and run `factory youtube auth` again.",
      );
    }
    await saveRefreshToken(o.tokenFile, tokens.refresh_token, tokens.scope ?? undefined, (o.now ?? (() => new Date()))());
    return o.tokenFile;
  } finally {
    server.closeAllConnections();
    server.close();
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
