/**
 * The fonts slides are drawn with. They come from files (the bundled Inter in assets/fonts, or
 * the configured ones), never from the system: a fresh machine may have no fonts at all, and a
 * slide must look the same on every machine.
 */
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository's assets folder. */
export const ASSETS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../../assets");

/** A loaded font face: its file and the family name written inside it. */
export interface FontFace {
  file: string;
  family: string;
}

/** The two faces a slide uses. */
export interface FontPair {
  regular: FontFace;
  bold: FontFace;
}

/** A font file is missing or is not a TrueType/OpenType font. */
export class FontError extends Error {
  override name = "FontError";
}

/**
 * Reads the family name from a TTF/OTF `name` table (typographic family, id 16, else family, id 1),
 * which is what SVG `font-family` must say for resvg to pick the face.
 */
export function fontFamilyOf(file: string): string {
  let b: Buffer;
  try {
    b = readFileSync(file);
  } catch (err) {
    throw new FontError(
      `Font file ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? "error"}). Set video.style.fontRegular/fontBold to existing .ttf/.otf files, or remove them to use the bundled Inter.`,
    );
  }
  const bad = () =>
    new FontError(`${file} is not a TrueType/OpenType font. Point video.style.fontRegular/fontBold at a .ttf or .otf file.`);
  if (b.length < 12) throw bad();
  const tag = b.readUInt32BE(0);
  if (tag !== 0x00010000 && tag !== 0x4f54544f && tag !== 0x74727565) throw bad(); // 1.0, "OTTO", "true"
  const numTables = b.readUInt16BE(4);
  let nameOff = -1;
  for (let i = 0; i < numTables; i++) {
    const rec = 12 + i * 16;
    if (rec + 16 > b.length) throw bad();
    if (b.toString("ascii", rec, rec + 4) === "name") nameOff = b.readUInt32BE(rec + 8);
  }
  if (nameOff < 0 || nameOff + 6 > b.length) throw bad();
  const count = b.readUInt16BE(nameOff + 2);
  const strings = nameOff + b.readUInt16BE(nameOff + 4);
  const found = new Map<number, string>();
  for (let i = 0; i < count; i++) {
    const r = nameOff + 6 + i * 12;
    const platform = b.readUInt16BE(r);
    const nameId = b.readUInt16BE(r + 6);
    const len = b.readUInt16BE(r + 8);
    const off = strings + b.readUInt16BE(r + 10);
    if ((nameId !== 1 && nameId !== 16) || found.has(nameId) || off + len > b.length) continue;
    // Platform 3 (Windows) and 0 (Unicode) store UTF-16BE; platform 1 (Mac) stores Latin-1.
    const raw = b.subarray(off, off + len);
    const text = platform === 1 ? raw.toString("latin1") : Buffer.from(raw).swap16().toString("utf16le");
    found.set(nameId, text);
  }
  const family = found.get(16) ?? found.get(1);
  if (!family) throw bad();
  return family;
}

/** The configured fonts, or the bundled Inter. Throws {@link FontError} with what to do next. */
export function loadFonts(style: { fontRegular?: string; fontBold?: string }): FontPair {
  const regular = style.fontRegular ?? join(ASSETS_DIR, "fonts", "Inter-Regular.ttf");
  const bold = style.fontBold ?? (style.fontRegular ? regular : join(ASSETS_DIR, "fonts", "Inter-Bold.ttf"));
  return {
    regular: { file: regular, family: fontFamilyOf(regular) },
    bold: { file: bold, family: fontFamilyOf(bold) },
  };
}
