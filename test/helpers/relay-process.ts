/**
 * The test-side name of the `wrangler dev` relay runner. The implementation lives in
 * worker/dev/local-relay.ts because the demo (non-test code) runs the relay the same way;
 * tests and benchmarks keep importing from here.
 *
 * API: startRelay({persistDir?, vars?, port?}) → RelayProcess {url, port, persistDir, secret,
 * token, sendWebhook(event, body, {delivery?, secret?}), stop(), restart()}; signWebhook(secret,
 * body) → "sha256=<hex>"; freePort().
 */
export { freePort, type RelayProcess, signWebhook, startRelay, type StartRelayOptions } from "../../worker/dev/local-relay.ts";
