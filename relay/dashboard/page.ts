/**
 * The dashboard's two pages (login, dashboard) with their inline CSS and the small script that
 * refreshes the live sections. No build step and no CDN: everything ships in the response,
 * allowed by a per-response CSP nonce (and nothing else may run).
 */
import { esc } from "./html.ts";
import type { Sections } from "./view.ts";

/** How often the open page refreshes (only while the tab is visible). */
export const REFRESH_MS = 5_000;

/** The Content-Security-Policy for a page whose inline style and script carry `nonce`. */
export function contentSecurityPolicy(nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src 'nonce-${nonce}'`,
    "connect-src 'self'",
    "img-src 'self' data:",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join("; ");
}

/** The login form; `problem` (already plain text) is shown above it. */
export function loginPage(nonce: string, problem?: string): string {
  return layout(
    nonce,
    "Sign in",
    `<main class="login">
      <h1>Agent Factory relay</h1>
      <p>This dashboard shows what the relay is doing: jobs, workers and GitHub deliveries.</p>
      ${problem ? `<p class="problem" role="alert">${esc(problem)}</p>` : ""}
      <form method="post" action="/dashboard/login">
        <label for="token">Worker token</label>
        <input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
        <p class="help">The same token your home worker uses (one of the relay's <code>WORKER_TOKENS</code>; <code>factory init</code> printed it).</p>
        <button type="submit">Sign in</button>
      </form>
    </main>`,
  );
}

/** The dashboard with its sections rendered; the script keeps them fresh. */
export function dashboardPage(nonce: string, csrf: string, sections: Sections): string {
  return layout(
    nonce,
    "Dashboard",
    `<header>
      <div><h1>Agent Factory relay</h1>
        <p class="live"><span class="dot on" id="live-dot" aria-hidden="true"></span><span id="live" aria-live="polite">Live: refreshes every ${REFRESH_MS / 1000} seconds</span></p></div>
      <form method="post" action="/dashboard/logout"><input type="hidden" name="csrf" value="${esc(csrf)}"><button class="secondary" type="submit">Sign out</button></form>
    </header>
    <main data-csrf="${esc(csrf)}">
      <p id="message" class="message" role="status" hidden></p>
      <div id="alerts">${sections.alerts}</div>
      <section><h2>Jobs by state</h2><div id="summary">${sections.summary}</div></section>
      <section><h2>Dead jobs</h2>
        <p class="explain">A job is <strong>dead</strong> when it failed too many times, or failed in a way that trying again
        would not fix (for example a wrong setting or a missing permission). Nothing happens to it until you act.
        Read what went wrong, fix the cause (docs/troubleshooting.md lists every message), then press <strong>Retry</strong>:
        the job goes back to the queue with a fresh set of attempts and the next free worker picks it up.</p>
        <div id="dead">${sections.dead}</div></section>
      <section><h2>Awaiting review</h2>
        <p class="explain">Lessons upload <strong>private</strong>, so nothing goes out under your name before you have
        watched it. <strong>Approve now</strong> makes a lesson public; to choose when it goes public, or to approve one
        not listed here, use the form below. Your home worker does it the next time it checks in.</p>
        <div id="review">${sections.review}</div>
        <form class="approve general" method="post" action="/dashboard/approve">
          <input type="hidden" name="csrf" value="${esc(csrf)}">
          <label>Lesson (atom id) <input name="atomId" required maxlength="80" pattern="[a-z0-9]+(-[a-z0-9]+)*" placeholder="ohms-law"></label>
          <label>Repository <span class="muted">(only if several)</span> <input name="repository" maxlength="200" placeholder="owner/name"></label>
          <label>Publish at <span class="muted">(empty: now)</span> <input name="at" type="datetime-local"></label>
          <button type="submit">Approve</button>
        </form></section>
      <section><h2>Workers</h2>
        <p class="explain">Workers are the computers that do the work (your home machine). They check in with the relay
        while they wait for jobs, so one not seen for a few minutes is off, asleep or offline.</p>
        <div id="workers">${sections.workers}</div></section>
      <section><h2>Recent jobs</h2><div id="jobs">${sections.jobs}</div></section>
      <section><h2>Recent GitHub deliveries</h2>
        <p class="explain">Each push GitHub announces to the relay, and the job it became.</p>
        <div id="deliveries">${sections.deliveries}</div></section>
      <section><h2>Refused deliveries</h2>
        <p class="explain">Deliveries the relay refused with <strong>401</strong> because their signature did not match the
        webhook secret (only the newest are kept, never their contents). If your pushes show up here instead of above,
        the secret in GitHub's webhook settings is not the relay's <code>GITHUB_WEBHOOK_SECRET</code>.</p>
        <div id="refused">${sections.refused}</div></section>
    </main>
    <script nonce="${nonce}">${SCRIPT}</script>`,
  );
}

function layout(nonce: string, title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin"><title>${esc(title)} · Agent Factory relay</title>
<style nonce="${nonce}">${CSS}</style></head>
<body>${body}</body></html>`;
}

// Refreshes the sections from /dashboard/data and sends Retry with the CSRF header; without
// JavaScript the forms still work (the server answers them with a redirect back).
const SCRIPT = `
(() => {
  const main = document.querySelector("main[data-csrf]");
  const csrf = main.dataset.csrf;
  const live = document.getElementById("live");
  const dot = document.getElementById("live-dot");
  const message = document.getElementById("message");
  const ids = ["alerts", "summary", "dead", "review", "workers", "jobs", "deliveries", "refused"];
  let busy = false;
  let again = false; // a refresh asked for while one is in flight runs right after it (fresh data after Retry)
  function say(text, bad) {
    message.textContent = text;
    message.className = bad ? "message bad" : "message";
    message.hidden = !text;
  }
  async function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    try {
      const res = await fetch("/dashboard/data", { headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store" });
      if (res.status === 401) { location.reload(); return; }
      if (!res.ok) throw new Error(String(res.status));
      const data = await res.json();
      for (const id of ids) document.getElementById(id).innerHTML = data.sections[id];
      live.textContent = "Live: updated " + new Date(data.now).toLocaleTimeString();
      dot.className = "dot on";
    } catch {
      live.textContent = "Cannot reach the relay right now; trying again…";
      dot.className = "dot off";
    } finally {
      busy = false;
      if (again) { again = false; refresh(); }
    }
  }
  // Approve: the form's fields, with a picked time turned into UTC here, where the browser knows its time zone.
  async function approve(form) {
    const button = form.querySelector("button");
    const body = new URLSearchParams(new FormData(form));
    const at = body.get("at");
    if (at && !Number.isNaN(Date.parse(at))) body.set("at", new Date(at).toISOString());
    button.disabled = true;
    try {
      const res = await fetch(form.action, { method: "POST", body, headers: { "X-CSRF-Token": csrf, Accept: "application/json" }, credentials: "same-origin" });
      const out = await res.json().catch(() => ({}));
      if (res.status === 401) { location.reload(); return; }
      const issues = (out.issues || []).map((i) => i.path + ": " + i.message).join("; ");
      say(res.ok ? (out.deduplicated ? "That approval is already queued." : "Approval queued: your worker carries it out the next time it checks in.")
        : (out.message || "Approve failed.") + (issues ? " (" + issues + ")" : ""), !res.ok);
      if (res.ok && form.classList.contains("general")) form.reset();
    } catch {
      say("Cannot reach the relay right now; try again in a moment.", true);
    } finally {
      button.disabled = false;
    }
    await refresh();
  }
  document.addEventListener("submit", async (event) => {
    const form = event.target;
    if (form.classList && form.classList.contains("approve")) { event.preventDefault(); await approve(form); return; }
    const dismissing = form.classList && form.classList.contains("dismiss");
    if (!form.classList || (!form.classList.contains("retry") && !dismissing)) return;
    event.preventDefault();
    const button = form.querySelector("button");
    button.disabled = true;
    button.textContent = dismissing ? "Dismissing…" : "Retrying…";
    try {
      const res = await fetch(form.action, { method: "POST", headers: { "X-CSRF-Token": csrf, Accept: "application/json" }, credentials: "same-origin" });
      const body = await res.json().catch(() => ({}));
      if (res.status === 401) { location.reload(); return; }
      const done = dismissing ? "Dismissed: the job stays under Dead jobs until you retry it." : "The job is back in the queue; a worker will pick it up.";
      say(res.ok ? done : (body.message || (dismissing ? "Dismiss failed." : "Retry failed.")), !res.ok);
    } catch {
      say("Cannot reach the relay right now; try again in a moment.", true);
    }
    await refresh();
  });
  setInterval(() => { if (!document.hidden) refresh(); }, ${REFRESH_MS});
  document.addEventListener("visibilitychange", () => { if (!document.hidden) refresh(); });
})();
`;

const CSS = `
:root { color-scheme: light; --bg: #f5f6f8; --panel: #fff; --text: #1d2330; --muted: #5d6779; --line: #e2e6ec;
  --accent: #2456d3; --queued: #8a5a00; --queued-bg: #fff4d6; --leased: #1f4fbf; --leased-bg: #e3ecff;
  --done: #17693a; --done-bg: #dcf5e5; --dead: #b3261e; --dead-bg: #fde4e1; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--text); font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
header { display: flex; justify-content: space-between; align-items: center; gap: 1rem; padding: 1rem 2rem;
  background: var(--panel); border-bottom: 1px solid var(--line); }
h1 { font-size: 1.35rem; margin: 0; }
h2 { font-size: 1.1rem; margin: 0 0 .6rem; }
main { max-width: 1100px; margin: 0 auto; padding: 1.5rem 2rem 3rem; }
section { background: var(--panel); border: 1px solid var(--line); border-radius: 10px; padding: 1.1rem 1.3rem; margin-bottom: 1.2rem; }
.live { margin: .1rem 0 0; color: var(--muted); font-size: .9rem; }
.explain, .note, .help, .muted, .sub { color: var(--muted); }
.explain { margin: 0 0 .8rem; max-width: 75ch; }
.note { margin: .6rem 0 0; font-size: .9rem; }
.sub { font-size: .82rem; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(190px, 1fr)); gap: .8rem; }
.card { border-radius: 8px; padding: .8rem 1rem; border: 1px solid var(--line); }
.card .count { font-size: 2rem; font-weight: 700; line-height: 1.1; }
.card .label { font-weight: 600; }
.card .help { font-size: .85rem; }
.card.state-queued { background: var(--queued-bg); } .card.state-queued .count { color: var(--queued); }
.card.state-leased { background: var(--leased-bg); } .card.state-leased .count { color: var(--leased); }
.card.state-done { background: var(--done-bg); } .card.state-done .count { color: var(--done); }
.card.state-dead { background: #f3f4f6; } .card.state-dead.alert { background: var(--dead-bg); border-color: var(--dead); }
.card.state-dead.alert .count { color: var(--dead); }
table { width: 100%; border-collapse: collapse; }
th { text-align: left; white-space: nowrap; font-size: .8rem; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); font-weight: 600; }
th, td { padding: .5rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
tbody tr:last-child td { border-bottom: 0; }
td.num { font-variant-numeric: tabular-nums; white-space: nowrap; }
td.error { color: var(--dead); white-space: pre-wrap; word-break: break-word; max-width: 45ch; }
code { font: .85em ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: #f0f2f5; padding: .05em .3em; border-radius: 4px; }
.badge { display: inline-block; padding: .1em .55em; border-radius: 99px; font-size: .82rem; font-weight: 600; }
.badge.state-queued { background: var(--queued-bg); color: var(--queued); }
.badge.state-leased { background: var(--leased-bg); color: var(--leased); }
.badge.state-done { background: var(--done-bg); color: var(--done); }
.badge.state-dead { background: var(--dead-bg); color: var(--dead); }
.dot { display: inline-block; width: .6rem; height: .6rem; border-radius: 50%; margin-right: .45rem; background: #a0a7b4; }
.dot.on { background: #1f9d55; }
.empty { margin: 0; color: var(--muted); } .empty.ok { color: var(--done); font-weight: 600; }
button { font: inherit; font-weight: 600; border: 0; border-radius: 6px; padding: .45rem 1rem; background: var(--accent); color: #fff; cursor: pointer; }
button:hover { filter: brightness(1.1); } button:disabled { opacity: .6; cursor: progress; }
button.secondary { background: #e8ebf0; color: var(--text); }
.message { padding: .7rem 1rem; border-radius: 8px; background: var(--done-bg); color: var(--done); font-weight: 600; }
.message.bad, .problem { background: var(--dead-bg); color: var(--dead); padding: .7rem 1rem; border-radius: 8px; font-weight: 600; }
form.general { display: flex; flex-wrap: wrap; gap: .8rem; align-items: flex-end; margin-top: 1rem; padding-top: 1rem; border-top: 1px solid var(--line); }
form.general label { display: flex; flex-direction: column; font-weight: 600; font-size: .9rem; gap: .2rem; }
form.general input { font: inherit; font-weight: 400; padding: .4rem .6rem; border: 1px solid #c5ccd6; border-radius: 6px; }
.banner { background: var(--dead-bg); border: 1px solid var(--dead); border-radius: 10px; padding: 1rem 1.3rem; margin-bottom: 1.2rem; }
.banner h2 { color: var(--dead); } .banner p { margin: 0 0 .6rem; }
.banner ul { list-style: none; margin: 0; padding: 0; }
.banner li { display: flex; justify-content: space-between; gap: 1rem; padding: .6rem 0; border-top: 1px solid #f3c4bf; }
.banner .error { color: var(--dead); white-space: pre-wrap; word-break: break-word; }
.banner .actions { display: flex; gap: .5rem; align-items: flex-start; }
.login { max-width: 440px; margin: 8vh auto; background: var(--panel); border: 1px solid var(--line); border-radius: 12px; padding: 2rem; }
.login h1 { margin-bottom: .5rem; }
.login label { display: block; font-weight: 600; margin: 1.2rem 0 .3rem; }
.login input { width: 100%; font: inherit; padding: .55rem .7rem; border: 1px solid #c5ccd6; border-radius: 6px; }
.login .help { font-size: .85rem; }
@media (max-width: 700px) { header, main { padding-left: 1rem; padding-right: 1rem; } td.error { max-width: none; } }
`;
