/**
 * The relay dashboard in a real headless Chromium (playwright-core driving Debian's
 * `chromium`) against the real relay under `wrangler dev`: sign in through the form, watch a
 * webhook's job appear live, see a dead job's error, press Retry, sign out.
 * Skips, saying why, where /usr/bin/chromium is missing (`apt-get install chromium`).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RelayProcess, startRelay } from "../helpers/relay-process.ts";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const HAVE_CHROMIUM = existsSync(CHROMIUM);
if (!HAVE_CHROMIUM) {
  console.warn(`browser tests skipped: no Chromium at ${CHROMIUM} (install it with \`apt-get install -y chromium\`, or set CHROMIUM_PATH)`);
}
/** Where the screenshots go, for a person to look at. */
const SHOTS = join(tmpdir(), "dashboard-screenshots");
/** Upper bound for a live refresh to show a change (the page refreshes every 5 s; a loaded
 * machine makes `wrangler dev` slow to answer). */
const LIVE_MS = 40_000;
const PUSH = JSON.parse(
  readFileSync(new URL("../fixtures/github-webhooks/push/with-new-branch.payload.json", import.meta.url), "utf8"),
);

describe.skipIf(!HAVE_CHROMIUM)("relay dashboard in headless Chromium", () => {
  let relay: RelayProcess;
  let context: BrowserContext;
  let page: Page;
  let profile: string;

  beforeAll(async () => {
    relay = await startRelay();
    profile = mkdtempSync(join(tmpdir(), "chromium-profile-"));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1280, height: 900 },
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    page = context.pages()[0] ?? (await context.newPage());
  });

  afterAll(async () => {
    await context?.close();
    await relay?.stop();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  /** The worker API, as a home worker calls it. */
  async function workerApi(method: string, path: string, body?: unknown): Promise<Response> {
    return fetch(`${relay.url}${path}`, {
      method,
      headers: { Authorization: `Bearer ${relay.token}`, ...(body ? { "Content-Type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
  }

  it("refuses a wrong token and signs in with the worker token, holding only an HttpOnly SameSite=Strict cookie", async () => {
    await page.goto(`${relay.url}/dashboard`);
    await expect(page.getByLabel("Worker token").isVisible()).resolves.toBe(true);
    await page.getByLabel("Worker token").fill("wrong-token");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("alert").waitFor();
    expect(await page.getByRole("alert").textContent()).toContain("not one of the relay's worker tokens");

    await page.getByLabel("Worker token").fill(relay.token);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Jobs by state" }).waitFor();
    const cookies = await context.cookies(relay.url);
    expect(cookies).toHaveLength(1);
    expect(cookies[0]).toMatchObject({ name: "factory_dashboard", httpOnly: true, sameSite: "Strict", path: "/" });
    expect(cookies[0]!.value).not.toContain(relay.token);
    expect(await page.locator("#workers").textContent()).toContain("No worker has connected yet");
  });

  /** Waits for a live refresh to show `selector`; on timeout, says what the page's status line said. */
  async function appears(selector: string): Promise<void> {
    try {
      await page.locator(selector).waitFor({ timeout: LIVE_MS });
    } catch (err) {
      const live = await page.locator("#live").textContent().catch(() => "(no status line)");
      throw new Error(`${selector} did not appear within ${LIVE_MS / 1000}s; the page said "${live}"`, { cause: err });
    }
  }

  it("shows a job from a signed webhook without reloading, then its error once it is dead, and Retry queues it again", { timeout: 150_000 }, async () => {
    const push = { ...PUSH, after: "ab".repeat(20), repository: { ...PUSH.repository, full_name: "owner-demo/lessons" } };
    const res = await relay.sendWebhook("push", push);
    expect(res.status).toBe(202);
    const { jobId } = (await res.json()) as { jobId: string };

    // The open page picks the job up on its own.
    await appears(`#jobs tr[data-job="${jobId}"]`);
    const row = page.locator(`#jobs tr[data-job="${jobId}"]`);
    expect(await row.textContent()).toContain("owner-demo/lessons");
    expect(await page.locator('#deliveries').textContent()).toContain("owner-demo/lessons");
    expect(await page.locator('.card[data-state="queued"] .count').textContent()).toBe("1");

    // A worker leases it and fails it for good.
    const lease = (await (await workerApi("GET", "/v1/jobs/next?wait=0&worker=home-pc")).json()) as any;
    expect(lease.job.id).toBe(jobId);
    const error = "YouTube refused the upload: the channel <owner-demo> is not verified & needs a phone number";
    const fail = await workerApi("POST", `/v1/jobs/${jobId}/fail`, { leaseToken: lease.lease.token, error, retryable: false });
    expect(((await fail.json()) as any).state).toBe("dead");

    await appears(`#dead tr[data-job="${jobId}"]`);
    const dead = page.locator(`#dead tr[data-job="${jobId}"]`);
    // The error is shown as text, exactly, never as markup.
    expect(await dead.locator("td.error").textContent()).toBe(error);
    expect(await dead.locator("td.error owner-demo").count()).toBe(0);
    expect(await page.locator('.card[data-state="dead"] .count').textContent()).toBe("1");
    expect(await page.locator("#workers").textContent()).toContain("home-pc");
    await page.screenshot({ path: join(SHOTS, "dashboard-dead-job.png"), fullPage: true });

    await dead.getByRole("button", { name: /Retry/ }).click();
    await page.getByText("The job is back in the queue").waitFor();
    await page.locator(`#jobs tr[data-job="${jobId}"][data-state="queued"]`).waitFor();
    expect(await page.locator(`#dead tr[data-job="${jobId}"]`).count()).toBe(0);
    expect(await page.locator("#dead").textContent()).toContain("No dead jobs");
    const job = (await (await workerApi("GET", `/v1/jobs/${jobId}`)).json()) as any;
    expect(job).toMatchObject({ state: "queued", attempts: 0 });
    await page.screenshot({ path: join(SHOTS, "dashboard-after-retry.png"), fullPage: true });
  });

  it("lists a privately published lesson under Awaiting review, and Approve queues one approval job for the worker", { timeout: 150_000 }, async () => {
    // The worker finishes the retried job, reporting that its publish step uploaded a lesson privately.
    const lease = (await (await workerApi("GET", "/v1/jobs/next?wait=0&worker=home-pc")).json()) as any;
    const note = "uploaded https://www.youtube.com/watch?v=abc123DEF45 (private; approve with `factory publish approve ohms-law`)";
    const result = { steps: [{ key: "publish:ohms-law", kind: "publish", status: "ran", ms: 9, produced: ["videoId=abc123DEF45"], note }] };
    expect((await workerApi("POST", `/v1/jobs/${lease.job.id}/complete`, { leaseToken: lease.lease.token, result })).status).toBe(200);

    await appears('#review tr[data-atom="ohms-law"]');
    const row = page.locator('#review tr[data-atom="ohms-law"]');
    expect(await row.getByRole("link", { name: "Watch" }).getAttribute("href")).toBe("https://www.youtube.com/watch?v=abc123DEF45");
    await row.getByRole("button", { name: "Approve ohms-law now" }).click();
    await page.getByText("Approval queued").waitFor();
    await page.locator('#review tr[data-atom="ohms-law"]', { hasText: "Approval waiting for the worker" }).waitFor();

    // The general form: another lesson, at a chosen time (sent as UTC by the page's script).
    await page.getByLabel("Lesson (atom id)").fill("ton-timer");
    await page.getByLabel(/Publish at/).fill("2099-12-01T15:00");
    await page.getByRole("button", { name: "Approve", exact: true }).click();
    // The script empties the form once the relay has queued the approval.
    await expect.poll(() => page.getByLabel("Lesson (atom id)").inputValue(), { timeout: LIVE_MS }).toBe("");
    await page.screenshot({ path: join(SHOTS, "dashboard-approve.png"), fullPage: true });

    const queued = (await (await workerApi("GET", "/v1/jobs?state=queued")).json()) as any;
    const approvals = queued.jobs.filter((j: any) => j.type === "factory.publish.approve").map((j: any) => j.payload);
    const at = await page.evaluate(() => new Date("2099-12-01T15:00").toISOString());
    expect(approvals).toEqual(
      expect.arrayContaining([{ atomId: "ohms-law", repository: "owner-demo/lessons" }, { atomId: "ton-timer", at }]),
    );
    expect(approvals).toHaveLength(2);
  });

  it("signs out: the page is the login form again and the data is refused", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByLabel("Worker token").waitFor();
    const status = await page.evaluate(async () => (await fetch("/dashboard/data")).status);
    expect(status).toBe(401);
    await page.screenshot({ path: join(SHOTS, "dashboard-login.png") });
  });
});
