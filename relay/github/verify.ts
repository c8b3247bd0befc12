/**
 * GitHub webhook signature check: `X-Hub-Signature-256: sha256=<hex>` is the HMAC-SHA256 of the
 * raw body bytes under the webhook secret. Pure: the SubtleCrypto implementation is passed in.
 */

const HEADER_PATTERN = /^sha256=([0-9a-f]{64})$/i;

export type SignatureCheck =
  | { ok: true; secretIndex: number }
  | { ok: false; reason: "missing" | "malformed" | "mismatch" };

/**
 * Checks `header` against every secret (several while rotating) in constant time per secret.
 * The legacy `X-Hub-Signature` (SHA-1) is deliberately not accepted.
 */
export async function verifySignature(
  subtle: SubtleCrypto,
  secrets: readonly string[],
  body: Uint8Array,
  header: string | null | undefined,
): Promise<SignatureCheck> {
  const problem = headerProblem(header);
  if (problem) return { ok: false, reason: problem };
  const given = hexToBytes(HEADER_PATTERN.exec(header!.trim())![1]!.toLowerCase());
  let found = -1;
  // Check every secret even after a hit, so timing does not reveal which one matched.
  for (let i = 0; i < secrets.length; i++) {
    const expected = await hmacSha256(subtle, secrets[i]!, body);
    if (constantTimeEqual(expected, given) && found < 0) found = i;
  }
  return found >= 0 ? { ok: true, secretIndex: found } : { ok: false, reason: "mismatch" };
}

/** What is wrong with the header's form, if anything: checkable before the body is read. */
export function headerProblem(header: string | null | undefined): "missing" | "malformed" | null {
  if (!header) return "missing";
  return HEADER_PATTERN.test(header.trim()) ? null : "malformed";
}

/** HMAC-SHA256 of `body` under `secret`. */
export async function hmacSha256(subtle: SubtleCrypto, secret: string, body: Uint8Array): Promise<Uint8Array> {
  const key = await subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
  return new Uint8Array(await subtle.sign("HMAC", key, body));
}

/** Compares two byte arrays without an early exit on the first difference. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}
