/**
 * The KB request issue form as a template `factory init` can add to a content repository: the
 * file next to this module, to be written at {@link KB_REQUEST_FORM_TARGET}.
 */
import { readFileSync } from "node:fs";

/** Where the form goes in the content repository. */
export const KB_REQUEST_FORM_TARGET = ".github/ISSUE_TEMPLATE/kb-request.yml";

/** The form's YAML text (worker/github/kb-request-form.yml). */
export function kbRequestFormText(): string {
  return readFileSync(new URL("./kb-request-form.yml", import.meta.url), "utf8");
}
