/** A voice provider failed; `retryable` says whether trying again later can help. */
export class TtsError extends Error {
  override name = "TtsError";
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

/** A TtsError for an HTTP status: 401/403 need a new key, 429 and 5xx pass with time. */
export function httpTtsError(service: string, status: number, keyVar: string, detail: string): TtsError {
  const tail = detail ? `: ${detail.slice(0, 200)}` : "";
  if (status === 401 || status === 403) {
    return new TtsError(`${service} refused the credentials (HTTP ${status}). Check ${keyVar}${tail}`, false);
  }
  if (status === 429) return new TtsError(`${service} is rate-limiting or out of quota (HTTP 429); the job will retry later${tail}`, true);
  if (status >= 500) return new TtsError(`${service} had a server error (HTTP ${status}); the job will retry later${tail}`, true);
  return new TtsError(`${service} rejected the request (HTTP ${status})${tail}. Check the voice settings.`, false);
}
