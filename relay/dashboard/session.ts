/**
 * Dashboard sessions: the login form takes a worker token; the browser then holds a signed
 * session cookie, never the token itself.
 *
 * A session value is `<expiresAt>.<csrf>.<mac>`: `mac` is HMAC-SHA256 over the first two
 * parts with a key derived (HKDF, Web Crypto) from the worker token that logged in. So a
 * session dies with its token: removing a token from WORKER_TOKENS logs out every browser
 * that used it. `csrf` is a random per-session value the page echoes on every state change.
 */
import { constantTimeEqual } from "../github/verify.ts";

/** How long a login lasts. */
export const SESSION_MS = 12 * 60 * 60 * 1000;
const KEY_INFO = new TextEncoder().encode("agent-factory dashboard session v1");
const KEY_SALT = new TextEncoder().encode("agent-factory-relay");

/** A verified session. */
export interface Session {
  expiresAt: number;
  /** The per-session CSRF token the page must send back on POSTs. */
  csrf: string;
}

/** The HMAC key for sessions made with `token` (cached per token in this isolate). */
const keys = new Map<string, Promise<CryptoKey>>();
export function sessionKey(token: string): Promise<CryptoKey> {
  let key = keys.get(token);
  if (!key) {
    key = deriveKey(token);
    keys.set(token, key);
    if (keys.size > 16) keys.delete(keys.keys().next().value!); // rotation leaves old tokens behind
  }
  return key;
}

async function deriveKey(token: string): Promise<CryptoKey> {
  const base = await crypto.subtle.importKey("raw", new TextEncoder().encode(token), "HKDF", false, ["deriveKey"]);
  return crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: KEY_SALT, info: KEY_INFO },
    base,
    { name: "HMAC", hash: "SHA-256", length: 256 },
    false,
    ["sign", "verify"],
  );
}

/** Makes a new session value (and its CSRF token) signed with `token`'s key. */
export async function createSession(
  token: string,
  now: number,
  randomBytes: (n: number) => Uint8Array = (n) => crypto.getRandomValues(new Uint8Array(n)),
): Promise<{ value: string; session: Session }> {
  const session = { expiresAt: now + SESSION_MS, csrf: base64url(randomBytes(18)) };
  const signed = `${session.expiresAt}.${session.csrf}`;
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", await sessionKey(token), bytes(signed)));
  return { value: `${signed}.${base64url(mac)}`, session };
}

/**
 * The session in `value` if it is well-formed, unexpired and signed with one of `tokens`;
 * otherwise null. The MAC check is Web Crypto's `verify` (constant time).
 */
export async function verifySession(value: string | undefined, tokens: readonly string[], now: number): Promise<Session | null> {
  const match = /^(\d{1,15})\.([A-Za-z0-9_-]{24})\.([A-Za-z0-9_-]{43})$/.exec(value ?? "");
  if (!match) return null;
  const expiresAt = Number(match[1]);
  if (!(expiresAt > now) || expiresAt > now + SESSION_MS) return null;
  const mac = fromBase64url(match[3]!);
  const signed = bytes(`${match[1]}.${match[2]}`);
  let valid = false;
  for (const token of tokens) {
    if (await crypto.subtle.verify("HMAC", await sessionKey(token), mac, signed)) valid = true;
  }
  return valid ? { expiresAt, csrf: match[2]! } : null;
}

/**
 * The accepted token equal to `given`, or null. Compares SHA-256 digests in constant time and
 * looks at every token, so neither bytes, length nor position leak through timing.
 */
export async function matchingToken(accepted: readonly string[], given: string): Promise<string | null> {
  const givenDigest = await sha256(given);
  let hit: string | null = null;
  for (const token of accepted) if (constantTimeEqual(await sha256(token), givenDigest)) hit = token;
  return hit;
}

/** Constant-time string equality (for the CSRF token). */
export function sameSecret(a: string, b: string): boolean {
  const x = bytes(a);
  const y = bytes(b);
  return x.length === y.length && constantTimeEqual(x, y);
}

/**
 * Whether the request came over plain http to a loopback host (`wrangler dev`, the demo):
 * only there may the cookie go without `Secure`, since browsers drop Secure cookies on http.
 */
export function isLoopbackHttp(url: URL): boolean {
  return url.protocol === "http:" && ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname);
}

/** Cookie name: `__Host-` (Secure, no Domain, Path=/ enforced by the browser) except on loopback http. */
export function cookieName(url: URL): string {
  return isLoopbackHttp(url) ? "factory_dashboard" : "__Host-factory_dashboard";
}

/** The Set-Cookie header for a session (or, with `value` null, the one that deletes it). */
export function sessionCookie(url: URL, value: string | null, maxAgeMs = SESSION_MS): string {
  const parts = [`${cookieName(url)}=${value ?? ""}`, "Path=/", "HttpOnly", "SameSite=Strict"];
  if (!isLoopbackHttp(url)) parts.push("Secure");
  parts.push(`Max-Age=${value === null ? 0 : Math.floor(maxAgeMs / 1000)}`);
  return parts.join("; ");
}

function bytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes(text)));
}

function base64url(data: Uint8Array): string {
  let s = "";
  for (const b of data) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64url(text: string): Uint8Array {
  const s = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(s, (ch) => ch.charCodeAt(0));
}
