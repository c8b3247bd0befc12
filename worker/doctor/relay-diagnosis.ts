/**
 * Why the relay cannot be reached, told apart: the host name does not resolve, nothing listens,
 * the TLS handshake fails, the connection times out, something that is not the relay answers,
 * or the relay refuses the token. Each with the one fix that applies. Pure: a thrown fetch error
 * or an HTTP answer in, a sentence and a fix out.
 */

/** What went wrong, in words, and what to do. */
export interface Diagnosis {
  /** A short name for the kind of failure (tests and `doctor --json` read it). */
  kind: "dns" | "refused" | "tls" | "timeout" | "network" | "closed" | "not-relay" | "token" | "no-tokens" | "http";
  detail: string;
  fix: string;
}

const DNS = new Set(["ENOTFOUND", "EAI_AGAIN", "EAI_FAIL", "EAI_NONAME", "EAI_NODATA"]);
const NETWORK = new Set(["ENETUNREACH", "EHOSTUNREACH", "ENETDOWN", "EHOSTDOWN"]);
const TIMEOUT = new Set(["ETIMEDOUT", "UND_ERR_CONNECT_TIMEOUT", "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT"]);
const CLOSED = new Set(["ECONNRESET", "EPIPE", "UND_ERR_SOCKET", "UND_ERR_CLOSED"]);

/** The innermost error code of a fetch failure (undici wraps the socket's error in `cause`). */
export function errorCode(e: unknown): string | null {
  let cur: unknown = e;
  for (let depth = 0; cur && depth < 5; depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === "string") return code;
    cur = (cur as { cause?: unknown }).cause;
  }
  return null;
}

function innermostMessage(e: unknown): string {
  let cur: unknown = e;
  let msg = e instanceof Error ? e.message : String(e);
  for (let depth = 0; cur && depth < 5; depth++) {
    if (cur instanceof Error && cur.message) msg = cur.message;
    cur = (cur as { cause?: unknown }).cause;
  }
  return msg;
}

function isTls(code: string | null, message: string): boolean {
  if (code && (/CERT|SSL|TLS/.test(code) || code === "EPROTO")) return true;
  return /certificate|ssl|tls|handshake/i.test(message);
}

/** Diagnoses an error thrown by `fetch(url)`. */
export function diagnoseFetchError(e: unknown, url: string, timeoutMs: number): Diagnosis {
  const u = new URL(url);
  const host = u.hostname;
  const code = errorCode(e);
  const message = innermostMessage(e);
  const name = (e as { name?: unknown })?.name;
  if (name === "TimeoutError" || name === "AbortError" || (code && TIMEOUT.has(code)))
    return {
      kind: "timeout",
      detail: `no answer from ${u.host} within ${timeoutMs < 1000 ? `${timeoutMs} ms` : `${Math.round(timeoutMs / 1000)} s`}`,
      fix: "Something at that address accepts connections but does not answer: check the URL and port, and any firewall or proxy on this network, then run the doctor again.",
    };
  if (code && DNS.has(code))
    return {
      kind: "dns",
      detail: `the host name ${host} does not resolve (${code})`,
      fix:
        code === "EAI_AGAIN"
          ? `This machine could not ask its DNS server (no internet, or DNS down): check the connection. If it works, check the spelling of ${host} in relayUrl (\`npx wrangler deploy\` prints the right URL).`
          : `Check the spelling of ${host} in relayUrl (factory.config.json) or RELAY_URL: \`npx wrangler deploy\` prints the right URL, and \`npx factory init --relay-url <url>\` saves it.`,
    };
  if (code === "ECONNREFUSED")
    return {
      kind: "refused",
      detail: `nothing listens at ${u.host} (connection refused)`,
      fix:
        host === "127.0.0.1" || host === "localhost" || host === "::1"
          ? "The local relay is not running: start it in another terminal with `npm run relay:dev` (docs/setup.md, \"Try it all locally first\"), and check the port."
          : "The relay's host refused the connection: check the port in the URL (a workers.dev URL needs none) and that the relay is deployed (`npx wrangler deploy`).",
    };
  if (isTls(code, message))
    return {
      kind: "tls",
      detail: `the TLS (https) handshake with ${u.host} failed: ${message}${code && !message.includes(code) ? ` (${code})` : ""}`,
      fix:
        /wrong version number|packet length too long/i.test(message) || code === "ERR_SSL_WRONG_VERSION_NUMBER"
          ? `${u.host} does not speak https: use http:// for a local relay (\`npm run relay:dev\` serves http://127.0.0.1:8787).`
          : "The certificate is not one this machine trusts (a self-signed certificate, a proxy that inspects https, or a wrong clock): use the relay's own workers.dev URL, fix the date and time, or give Node your proxy's certificate with NODE_EXTRA_CA_CERTS.",
    };
  if (code && NETWORK.has(code))
    return {
      kind: "network",
      detail: `no route to ${u.host} (${code})`,
      fix: "This machine is offline or its network cannot reach the internet: check the connection, then run the doctor again.",
    };
  if (code && CLOSED.has(code))
    return {
      kind: "closed",
      detail: `${u.host} closed the connection without an answer (${code})`,
      fix:
        u.protocol === "http:"
          ? "If the relay is on Cloudflare its URL starts with https://; otherwise check that the relay, not another program, listens at that address."
          : "Check that the relay, not another program, listens at that address, then run the doctor again.",
    };
  return {
    kind: "network",
    detail: `${u.host}: ${message}${code && !message.includes(code) ? ` (${code})` : ""}`,
    fix: "Check the URL (printed by `npx wrangler deploy`), this machine's internet connection, and that the relay is deployed (docs/setup.md, step 3).",
  };
}

/**
 * Diagnoses `GET /healthz`'s answer: only the relay says `{"ok":true,"service":"agent-factory-relay"}`.
 * Returns null when it is the relay.
 */
export function diagnoseHealthz(status: number, body: string, base: string): Diagnosis | null {
  let json: { ok?: unknown; service?: unknown } | null = null;
  try {
    json = JSON.parse(body) as { ok?: unknown; service?: unknown };
  } catch {
    // Not JSON: not the relay.
  }
  if (status === 200 && json?.service === "agent-factory-relay") return null;
  const path = new URL(base).pathname.replace(/\/+$/, "");
  return {
    kind: "not-relay",
    detail: `${base}/healthz answered ${status}${status === 200 ? " but not as the relay does" : ""}: this URL is not the relay`,
    fix:
      path && path !== ""
        ? `relayUrl must be the relay's bare address without a path: drop "${path}" (e.g. https://agent-factory-relay.<you>.workers.dev).`
        : "Another site answers at this address: put the URL `npx wrangler deploy` printed (https://agent-factory-relay.<you>.workers.dev) in relayUrl, or `http://127.0.0.1:8787` for `npm run relay:dev`.",
  };
}

/** Diagnoses `GET /v1/stats` with the worker token. Returns null on 200. */
export function diagnoseTokenAnswer(status: number): Diagnosis | null {
  if (status === 200) return null;
  if (status === 401)
    return {
      kind: "token",
      detail: "the relay rejected the worker token (401)",
      fix: 'The token in factory.config.json ("workerToken") or WORKER_TOKEN must be one of the relay\'s WORKER_TOKENS: `npx wrangler secret bulk .factory/relay-secrets.json` uploads the one `factory init` made (for `npm run relay:dev`: the WORKER_TOKENS line of .dev.vars).',
    };
  if (status === 503)
    return {
      kind: "no-tokens",
      detail: "the relay has no worker tokens yet (503)",
      fix: "Upload the relay's secrets: `npx wrangler secret bulk .factory/relay-secrets.json` (for `npm run relay:dev`: create .dev.vars, see .dev.vars.example).",
    };
  if (status === 404)
    return {
      kind: "not-relay",
      detail: "GET /v1/stats answered 404: this URL is not the relay (or an old one)",
      fix: "Check relayUrl: it is the bare address `npx wrangler deploy` printed. If it is, deploy this version of the relay again (`npx wrangler deploy`).",
    };
  return { kind: "http", detail: `GET /v1/stats answered ${status}`, fix: "A 5xx passes by itself; run the doctor again in a minute. Otherwise see docs/troubleshooting.md." };
}
