import { DurableObject } from "cloudflare:workers";
export class QueueObject extends DurableObject {}
export default { fetch: () => new Response("ok") };
