/**
 * Where Factory I/O is, and how a task's plant is made for it: the one place the CLI, the judge
 * and the learning job ask, so the setting has one name everywhere.
 *
 * The address comes from the environment variable FACTORY_IO_URL, else from
 * `"learn": { "factoryIoUrl": "…" }` in factory.config.json, else http://localhost:7410
 * (Factory I/O's default, right when the worker runs on the Factory I/O PC itself).
 */
import type { SimTask } from "../../../shared/sim.ts";
import { normaliseBaseUrl } from "./factoryio-client.ts";
import { FactoryIoError } from "./factoryio-tags.ts";
import { createFactoryIoPlant, type FactoryIoPlant, type FactoryIoPlantOptions } from "./factoryio.ts";
import { builtinScene } from "./index.ts";

export const FACTORY_IO_DEFAULT_URL = "http://localhost:7410";
export const FACTORY_IO_URL_ENV = "FACTORY_IO_URL";

/** Per scene, what the Web API cannot tell: two-input selectors (see FactoryIoPlantOptions.opposites). */
const SCENE_WIRING: Record<string, Pick<FactoryIoPlantOptions, "opposites">> = {
  "sorting-by-height-basic": { opposites: { Auto: "Manual" } },
};

/**
 * Factory I/O's address and where it came from. `settings` is factory.config.json's content
 * (only its `learn.factoryIoUrl` is read). A bad value is an error naming the setting.
 */
export function factoryIoUrl(env: Record<string, string | undefined>, settings: Record<string, unknown> = {}): { url: string; from: string } {
  const fromEnv = env[FACTORY_IO_URL_ENV];
  const learn = settings.learn;
  const fromFile = learn !== null && typeof learn === "object" ? (learn as Record<string, unknown>).factoryIoUrl : undefined;
  const [raw, from] =
    fromEnv !== undefined && fromEnv !== ""
      ? [fromEnv, FACTORY_IO_URL_ENV]
      : fromFile !== undefined
        ? [fromFile, '"learn": {"factoryIoUrl"} in factory.config.json']
        : [FACTORY_IO_DEFAULT_URL, "the default"];
  if (typeof raw !== "string") throw new FactoryIoError(`${from} must be a text such as "http://192.168.1.20:7410".`);
  try {
    return { url: normaliseBaseUrl(raw), from };
  } catch (err) {
    throw new FactoryIoError(`${from}: ${(err as Error).message}`);
  }
}

/** A Factory I/O plant for a task: its scene's title (for messages) and tags, and the scene's known wiring. */
export function factoryIoPlantForTask(
  task: Pick<SimTask, "scene" | "tags">,
  options: Omit<FactoryIoPlantOptions, "sceneId" | "tags">,
): FactoryIoPlant {
  return createFactoryIoPlant({
    sceneId: task.scene,
    sceneTitle: builtinScene(task.scene)?.title ?? task.scene,
    tags: task.tags.map((t) => ({ name: t.name, direction: t.direction, type: t.type })),
    ...SCENE_WIRING[task.scene],
    ...options,
  });
}
