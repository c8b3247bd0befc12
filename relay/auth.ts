/**
 * Bearer-token middleware for the worker API. Tokens come from the environment at request
 * time (so rotating `WORKER_TOKENS` needs no deploy of code); comparison is over SHA-256
 * digests in constant time, so neither a token's bytes nor its length leak through timing.
 */
import type { MiddlewareHandler } from "hono";
import { constantTimeEqual } from "./github/verify.ts";
import type { Env } from "./env.ts";
import { HttpError } from "./errors.ts";

export interface BearerAuthOptions {
  /** The accepted tokens for this request's environment. */
  tokens: (env: Env) => readonly string[];
  /** Name of the variable that holds them, for the "not configured" message. */
  variable: string;
}

/** Builds the middleware; throws at startup (not per request) when the options are wrong. */
export function bearerAuth(options: BearerAuthOptions): MiddlewareHandler<{ Bindings: Env }> {
  if (typeof options?.tokens !== "function") throw new TypeError("bearerAuth: `tokens` must be a function of env");
  if (!options.variable) throw new TypeError("bearerAuth: `variable` must name the tokens' variable");
  return async (c, next) => {
    const accepted = options.tokens(c.env);
    if (accepted.length === 0) {
      throw new HttpError(
        503,
        "not_configured",
        `The relay has no worker tokens: set ${options.variable} (\`npx wrangler secret put ${options.variable}\`, or .dev.vars locally).`,
      );
    }
    const header = c.req.header("Authorization") ?? "";
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match || !(await anyTokenMatches(accepted, match[1]!))) {
      c.header("WWW-Authenticate", 'Bearer realm="agent-factory-relay"');
      throw new HttpError(
        401,
        "unauthorized",
        "Send `Authorization: Bearer <token>` with one of the relay's WORKER_TOKENS (check the worker's relay token setting).",
      );
    }
    await next();
  };
}

async function anyTokenMatches(accepted: readonly string[], given: string): Promise<boolean> {
  const givenDigest = await sha256(given);
  let hit = false;
  for (const digest of await acceptedDigests(accepted)) if (constantTimeEqual(digest, givenDigest)) hit = true;
  return hit;
}

/** Digests of the accepted tokens, computed once per distinct token list (per isolate). */
let cached: { key: string; digests: Promise<Uint8Array[]> } | undefined;
function acceptedDigests(accepted: readonly string[]): Promise<Uint8Array[]> {
  const key = accepted.join("\n");
  if (cached?.key !== key) cached = { key, digests: Promise.all(accepted.map(sha256)) };
  return cached.digests;
}

async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}
