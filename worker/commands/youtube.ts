/**
 * `factory youtube auth`: signs the factory in to the owner's YouTube channel (OAuth installed-app
 * flow with a loopback redirect) and saves the refresh token, readable by the owner only.
 */
import { spawn } from "node:child_process";
import type { Command } from "commander";
import { publishSettings } from "../publish/settings.ts";
import { configOrExit, EXIT } from "./runtime.ts";

/** Tries to open a URL in the desktop browser; silently does nothing where there is none. */
function openInBrowser(url: string): void {
  const cmd = process.platform === "darwin" ? "open" : process.platform === "win32" ? "explorer" : "xdg-open";
  try {
    const child = spawn(cmd, [url], { stdio: "ignore", detached: true });
    child.on("error", () => {});
    child.unref();
  } catch {
    // No browser here (a headless box): the printed link is enough.
  }
}

/** Registers `factory youtube auth`. */
export function registerYouTubeCommands(program: Command): void {
  const youtube = program.command("youtube").description("Connect the factory to your YouTube channel");
  youtube
    .command("auth")
    .description("Sign in to YouTube in the browser and save the refresh token (file mode 0600)")
    .option("--client <file>", "the OAuth client JSON downloaded from the Google Cloud console")
    .option("--token <file>", "where to save the refresh token")
    .option("--no-browser", "only print the sign-in link")
    .action(async (opts: { client?: string; token?: string; browser: boolean }) => {
      const config = configOrExit();
      if (!config) return void (process.exitCode = EXIT.config);
      try {
        const yt = publishSettings(config.settings).youtube;
        const clientFile = opts.client ?? yt.clientFile;
        const tokenFile = opts.token ?? yt.tokenFile;
        // Imported on use: googleapis takes about 1 s to load, which every other command would pay.
        const { readClientFile, runInstalledAppFlow } = await import("../publish/oauth.ts");
        const client = await readClientFile(clientFile, yt.tokenUrl === "https://oauth2.googleapis.com/token" ? undefined : yt.tokenUrl);
        const stop = new AbortController();
        process.once("SIGINT", () => stop.abort());
        const saved = await runInstalledAppFlow({
          client,
          tokenFile,
          signal: stop.signal,
          openBrowser: (url) => {
            console.log("Open this link, sign in with the account that owns your channel, and allow access:\n");
            console.log(`  ${url}\n`);
            console.log('Google may warn that the app is unverified: choose "Continue" (it is your own app).');
            console.log("Waiting for the browser to come back…");
            if (opts.browser) openInBrowser(url);
          },
        });
        console.log(`Signed in. The refresh token is saved in ${saved} (readable by you only).`);
        console.log('Set "publish": {"target": "youtube"} in factory.config.json to upload instead of publishing locally.');
      } catch (e) {
        console.error((e as Error).message);
        process.exitCode = EXIT.failed;
      }
    });
}
