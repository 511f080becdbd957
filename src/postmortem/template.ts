// Reading a postmortem template from disk. The caller picks the path (POSTMORTEM_TEMPLATE or the
// default file) and passes the text to renderPostmortem, which stays pure.
import { readFile } from "node:fs/promises";
import { fromRoot } from "../paths.ts";

/** `templates/postmortem.md` at the repository root. */
export const defaultTemplatePath: string = fromRoot("templates", "postmortem.md");

export class TemplateError extends Error {}

/** Reads a template (default: defaultTemplatePath). Throws a TemplateError that names the file. */
export async function loadTemplate(path?: string | null): Promise<string> {
  const file = path && path.trim() !== "" ? path : defaultTemplatePath;
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "the file does not exist" : code === "EISDIR" ? "it is a directory" : code === "EACCES" ? "permission denied" : (err as Error).message;
    throw new TemplateError(`Cannot read the postmortem template ${file}: ${why}.`, { cause: err });
  }
  // A byte-order mark would end up before the first heading.
  return text.replace(/^\uFEFF/, "");
}
