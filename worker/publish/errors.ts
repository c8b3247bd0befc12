/**
 * Turns what Google answers into a {@link StepError} the owner can act on.
 *
 * - `invalid_grant` from the token endpoint: the refresh token is dead (apps in "Testing"
 *   status get tokens that expire after 7 days; a revoked grant looks the same) → not retryable,
 *   "run `factory youtube auth` again".
 * - 403 `quotaExceeded` (the project's daily units) or `uploadLimitExceeded` (the channel's
 *   daily uploads) → retryable, no sooner than the next midnight Pacific, when both reset.
 * - network failures, 429 and 5xx → retryable now.
 * - any other 4xx → not retryable: the request itself is wrong and will stay wrong.
 * Messages name the API's reason but never a token or a secret.
 */
import { StepError } from "../pipeline/types.ts";
import { nextPacificMidnight } from "./quota.ts";
import { isTransient, UploadHttpError } from "./resumable.ts";

/** Shown whenever the stored refresh token no longer works. */
export const REAUTH_MESSAGE =
  "YouTube no longer accepts the saved sign-in (invalid_grant). Refresh tokens of Google Cloud apps in " +
  '"Testing" status expire after 7 days, and revoking access has the same effect. Run `factory youtube auth` ' +
  "again to sign in, then `npx factory retry <job id>` (the job waits, dead, until you do). To stop the weekly expiry, publish the " +
  "OAuth consent screen (see docs/publishing.md).";

interface GoogleErrorBody {
  error?: string | { code?: number; message?: string; errors?: { reason?: string; message?: string }[] };
  error_description?: string;
}

function bodyOf(err: unknown): { status: number | null; body: GoogleErrorBody | null } {
  if (err instanceof UploadHttpError) return { status: err.status, body: err.body as GoogleErrorBody };
  const e = err as { response?: { status?: number; data?: unknown } } | null;
  if (!e?.response) return { status: null, body: null };
  let data = e.response.data;
  if (typeof data === "string") {
    try {
      data = JSON.parse(data);
    } catch {
      data = null;
    }
  }
  return { status: e.response.status ?? null, body: (data ?? null) as GoogleErrorBody | null };
}

/** The API's error reasons (`quotaExceeded`, `forbidden`, …), if any. */
export function googleReasons(err: unknown): string[] {
  const { body } = bodyOf(err);
  if (!body || typeof body.error !== "object") return [];
  return (body.error.errors ?? []).map((e) => e.reason ?? "").filter(Boolean);
}

/** True for the token endpoint's `invalid_grant`. */
export function isInvalidGrant(err: unknown): boolean {
  const { body } = bodyOf(err);
  if (body?.error === "invalid_grant") return true;
  return err instanceof Error && /\binvalid_grant\b/.test(err.message);
}

/** Classifies an error from a YouTube call as a StepError. `now` is the injected clock (ms). */
export function toStepError(err: unknown, now: number, doing: string): StepError {
  if (err instanceof StepError) return err;
  if (isInvalidGrant(err)) return new StepError(REAUTH_MESSAGE, false);
  const reasons = googleReasons(err);
  if (reasons.includes("quotaExceeded") || reasons.includes("dailyLimitExceeded") || reasons.includes("uploadLimitExceeded")) {
    const retryAt = nextPacificMidnight(now);
    const what = reasons.includes("uploadLimitExceeded") ? "the channel's daily upload limit" : "the project's daily YouTube API quota";
    return new StepError(
      `${doing}: ${what} is used up. The job will run again after the reset at midnight Pacific ` +
        `(${new Date(retryAt).toISOString()}); nothing already uploaded is repeated. For more quota, ask Google ` +
        "for an increase in the Cloud console (IAM & Admin → Quotas).",
      true,
      retryAt,
    );
  }
  const { status, body } = bodyOf(err);
  const apiMessage =
    body && typeof body.error === "object" && body.error.message ? body.error.message.replace(/<[^>]+>/g, "") : null;
  if (status === 401) {
    return new StepError(`${doing}: YouTube refused the credentials (401). Run \`factory youtube auth\` again.`, false);
  }
  if (status === 403 && reasons.includes("forbidden")) {
    return new StepError(
      `${doing}: YouTube says this account may not do that (${apiMessage ?? "forbidden"}). Check that you signed in ` +
        "with the channel's account in `factory youtube auth`.",
      false,
    );
  }
  if (isTransient(err) || (status !== null && (status >= 500 || status === 429))) {
    return new StepError(`${doing}: YouTube could not be reached or stumbled (${describe(err, status)}); it will be retried.`, true);
  }
  if (status !== null) {
    return new StepError(`${doing}: YouTube rejected the request (${status}${reasons.length ? ` ${reasons.join(",")}` : ""}: ${apiMessage ?? "no message"}).`, false);
  }
  return new StepError(`${doing}: ${err instanceof Error ? err.message : String(err)}`, false);
}

function describe(err: unknown, status: number | null): string {
  if (status !== null) return `HTTP ${status}`;
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : "network error";
}
