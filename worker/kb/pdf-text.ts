/**
 * Text and outline of a PDF, through pdfjs-dist (Mozilla's PDF.js, legacy build for Node; see
 * docs/decisions.md). PDF.js runs its parser in the calling thread here ("fake worker": in Node
 * it imports the worker module instead of starting a Worker), so no thread is started.
 */
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

type Pdfjs = typeof import("pdfjs-dist/legacy/build/pdf.mjs");

// Loaded the first time a PDF is read, not at start-up: every `factory` command and the worker's
// KB load import this module, and PDF.js alone takes longer to load than the CLI's help.
let pdfjsModule: Promise<Pdfjs> | null = null;
function loadPdfjs(): Promise<Pdfjs> {
  pdfjsModule ??= import("pdfjs-dist/legacy/build/pdf.mjs").then((pdfjs) => {
    // In Node, PDF.js loads this module in-process as its worker: point it at the installed copy.
    pdfjs.GlobalWorkerOptions.workerSrc = pathToFileURL(createRequire(import.meta.url).resolve("pdfjs-dist/legacy/build/pdf.worker.mjs")).href;
    return pdfjs;
  });
  return pdfjsModule;
}

/** A PDF reduced to what a summary needs. */
export interface PdfText {
  /** Text of each page (index 0 = page 1); lines end where PDF.js reports an end of line. */
  pages: string[];
  /** Top-level outline (bookmark) entries that resolve to a page, in document order. */
  outline: { title: string; page: number }[];
}

/** A PDF that could not be read; the message says why in plain words. */
export class PdfError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PdfError";
  }
}

/** The most pages read from one PDF (a longer manual is summarized over its first pages). */
export const MAX_PDF_PAGES = 2000;

/**
 * Reads the text of pages `from`..`to` (1-based, inclusive; default all) and the outline.
 * Throws {@link PdfError} for a file PDF.js cannot parse.
 */
export async function readPdf(bytes: Uint8Array, range?: { from: number; to: number }): Promise<PdfText> {
  const pdfjs = await loadPdfjs();
  let doc: Doc;
  try {
    // A copy: PDF.js takes ownership of (and detaches) the buffer it is given.
    const task = pdfjs.getDocument({ data: new Uint8Array(bytes), isEvalSupported: false, verbosity: 0, useSystemFonts: false });
    doc = await task.promise;
  } catch (e) {
    throw new PdfError(`not a readable PDF (${(e as Error).message ?? String(e)})`);
  }
  try {
    const last = Math.min(doc.numPages, MAX_PDF_PAGES, range?.to ?? Number.MAX_SAFE_INTEGER);
    const first = Math.max(1, range?.from ?? 1);
    const pages: string[] = [];
    for (let p = first; p <= last; p += 1) {
      const page = await doc.getPage(p);
      const content = await page.getTextContent();
      let text = "";
      for (const item of content.items) {
        if (!("str" in item)) continue;
        text += item.str + (item.hasEOL ? "\n" : "");
      }
      pages.push(text.replace(/[ \t]+\n/g, "\n").trimEnd());
      page.cleanup();
    }
    const outline: PdfText["outline"] = [];
    if (!range) {
      for (const entry of (await doc.getOutline()) ?? []) {
        const page = await resolvePage(doc, entry.dest);
        const title = entry.title.replace(/\s+/g, " ").trim();
        if (page !== null && title) outline.push({ title, page });
      }
      outline.sort((a, b) => a.page - b.page);
    }
    return { pages, outline };
  } catch (e) {
    if (e instanceof PdfError) throw e;
    throw new PdfError(`the PDF could not be read to the end (${(e as Error).message ?? String(e)})`);
  } finally {
    await doc.destroy();
  }
}

type Doc = Awaited<ReturnType<Pdfjs["getDocument"]>["promise"]>;

/** The 1-based page an outline destination points to, or null when it does not resolve. */
async function resolvePage(doc: Doc, dest: string | unknown[] | null): Promise<number | null> {
  try {
    const explicit = typeof dest === "string" ? await doc.getDestination(dest) : dest;
    if (!Array.isArray(explicit) || explicit.length === 0) return null;
    const target = explicit[0];
    if (typeof target === "number") return target + 1;
    if (target && typeof target === "object") return (await doc.getPageIndex(target as Parameters<Doc["getPageIndex"]>[0])) + 1;
    return null;
  } catch {
    return null;
  }
}
