/**
 * Test set-up shared by the diagram tests (test/media/visuals.test.ts, test/content/atom-visuals.test.ts):
 * the shipped fonts, their metrics, and a fixed dark theme measured with them.
 */
import { join } from "node:path";
import { ASSETS_DIR } from "../../worker/media/fonts.ts";
import { measureWith, readMetrics } from "../../worker/media/visuals/metrics.ts";
import type { VisualTheme } from "../../worker/media/visuals/theme.ts";

/** Inter regular, Inter bold, JetBrains Mono: what resvg needs to draw a diagram. */
export const fontFiles = ["Inter-Regular.ttf", "Inter-Bold.ttf", "JetBrainsMono-Regular.ttf"].map((f) => join(ASSETS_DIR, "fonts", f));
export const metrics = { sans: readMetrics(fontFiles[0]!), bold: readMetrics(fontFiles[1]!), mono: readMetrics(fontFiles[2]!) };
export const theme: VisualTheme = {
  text: "#f8fafc", muted: "#94a3b8", accent: "#f59e0b", panel: "#1e293b", live: "#22c55e",
  sans: "Inter", sansBold: "Inter", mono: "JetBrains Mono",
  measure: (s, size, face) => measureWith(metrics[face], s, size),
};
