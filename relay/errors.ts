/**
 * Every error the relay answers with goes through here: a typed HttpError, turned into a JSON
 * `ErrorBody` (`{error, message, issues?}`) in one place. Each message says what to do next.
 */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { ZodError } from "zod";
import type { ErrorBody } from "../shared/jobs.ts";

/** An error with an HTTP status, a machine-readable code and a sentence for the caller. */
export class HttpError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly issues?: ErrorBody["issues"],
  ) {
    super(message);
    this.name = "HttpError";
  }
}

/** 400 listing every bad field of a zod validation failure. */
export function validationError(what: string, error: ZodError): HttpError {
  const issues = error.issues.map((i) => ({ path: i.path.map(String).join(".") || "(root)", message: i.message }));
  return new HttpError(
    400,
    "invalid_request",
    `The ${what} is invalid: fix the fields listed in "issues" and send it again.`,
    issues,
  );
}

/** Builds the JSON error response (also used by Hono's onError/notFound). */
export function errorResponse(c: Context, err: unknown): Response {
  if (err instanceof HttpError) {
    const body: ErrorBody = { error: err.code, message: err.message, ...(err.issues ? { issues: err.issues } : {}) };
    return c.json(body, err.status);
  }
  // Never echo internals (they may hold request data); log the name only.
  console.error("relay: unexpected error", err instanceof Error ? err.name : typeof err);
  const body: ErrorBody = {
    error: "internal_error",
    message: "The relay failed unexpectedly; retry the request, and check `wrangler tail` if it keeps failing.",
  };
  return c.json(body, 500);
}
