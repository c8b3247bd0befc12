/**
 * The built-in scenes by id: what `factory sim scenes` lists, what `factory kb validate` checks
 * tasks against, and what `factory sim run --plant builtin` drives.
 */
import { FROM_A_TO_B_SCENE, FromAToBPlant } from "./from-a-to-b.ts";
import { LEVEL_CONTROL_SCENE, LevelControlPlant } from "./level-control.ts";
import { SORTING_BY_HEIGHT_BASIC_SCENE, SortingByHeightBasicPlant } from "./sorting-by-height-basic.ts";
import type { Plant, SceneInfo } from "./types.ts";

const BUILTINS: ReadonlyArray<{ scene: SceneInfo; create: () => Plant }> = [
  { scene: FROM_A_TO_B_SCENE, create: () => new FromAToBPlant() },
  { scene: SORTING_BY_HEIGHT_BASIC_SCENE, create: () => new SortingByHeightBasicPlant() },
  { scene: LEVEL_CONTROL_SCENE, create: () => new LevelControlPlant() },
];

/** Every built-in scene, in the order `factory sim scenes` lists them. */
export const BUILTIN_SCENES: readonly SceneInfo[] = BUILTINS.map((b) => b.scene);

/** The built-in scene with this id, or undefined. */
export function builtinScene(id: string): SceneInfo | undefined {
  return BUILTIN_SCENES.find((s) => s.id === id);
}

/** A fresh built-in plant for a scene; an unknown id is an error listing the known ones. */
export function createBuiltinPlant(sceneId: string): Plant {
  const b = BUILTINS.find((x) => x.scene.id === sceneId);
  if (!b) throw new Error(`no built-in scene "${sceneId}"; scenes: ${BUILTIN_SCENES.map((s) => s.id).join(", ")}`);
  return b.create();
}
