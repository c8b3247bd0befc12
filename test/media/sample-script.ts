/** A small, real VideoScript for media tests and the benchmark. */
import { VideoScript } from "../../shared/models.ts";

/** A three-section lesson; `scale` repeats each narration to make a longer one (benchmark). */
export function sampleScript(scale = 1): VideoScript {
  const say = (s: string) => Array.from({ length: scale }, () => s).join(" ");
  return VideoScript.parse({
    atomId: "ton-timer",
    title: "TON timers: on-delay timing in ladder logic",
    hook: say("Why does a motor start three seconds after you press the button? Meet the TON timer."),
    sections: [
      {
        heading: "What a TON timer does",
        narration: say("A TON timer starts counting when its rung goes true. When the count reaches the preset, the done bit turns on."),
        bullets: ["Counts while the rung is true", "Done bit on at the preset"],
      },
      {
        heading: "When it resets",
        narration: say("If the rung goes false before the preset, the accumulated time resets to zero, and the done bit stays off."),
        bullets: ["Rung false resets the accumulator", "No memory between cycles"],
        visualHint: "timing diagram",
      },
      {
        heading: "A safe start-up delay",
        narration: say("Use a TON to delay a conveyor start, so people hear the warning horn first."),
        bullets: ["Horn first, then motion", "Preset in milliseconds on most PLCs"],
      },
    ],
    outro: say("That is the on-delay timer. Next time, we look at the off-delay timer."),
    youtube: { title: "TON timers explained", description: "On-delay timers in ladder logic.", tags: ["plc", "timers"] },
    estimatedDurationSec: 40,
    provenance: { sourceHash: "test", writer: "offline", model: null, promptVersion: "test" },
  });
}
