import { homedir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { publishSettings } from "../../worker/publish/settings.ts";

describe("settings.publish", () => {
  it("defaults to a private local publish into out/published, write-back off", () => {
    expect(publishSettings({})).toMatchObject({
      target: "local",
      privacy: "private",
      folder: "out/published",
      youtube: { tokenFile: join(homedir(), ".config", "agent-factory", "youtube", "token.json"), categoryId: "27" },
      writeback: { enabled: false, branch: "factory/scripts" },
    });
  });

  it("reads a leading ~/ as the home folder", () => {
    expect(publishSettings({ publish: { youtube: { tokenFile: "~/yt/token.json" } } }).youtube.tokenFile).toBe(join(homedir(), "yt/token.json"));
  });

  it("names the bad field and says to fix the config", () => {
    expect(() => publishSettings({ publish: { privacy: "secret" } })).toThrow(/^settings\.publish\.privacy: .*"private".*Fix the config file/);
    expect(() => publishSettings({ publish: { target: "vimeo" } })).toThrow(/settings\.publish\.target/);
  });
});
