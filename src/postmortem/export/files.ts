// Re-exporting to a folder of Markdown files (the directory and git exporters): which file is the
// incident's document, whether people edited it since the bot last wrote it, and what to write.
// People's edits are never overwritten: the draft then goes next to the document.
import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { isFileOf, postmortemFileName, regeneratedFileName, type BotVersion, type ExportOutcome, type PostmortemDocument } from "./exporter.ts";

/** The SHA-256 of a document's text (hex): the bot's version of a file it wrote. */
export const contentHash = (text: string): string => createHash("sha256").update(text, "utf8").digest("hex");

/** A file of the incident already in the folder. */
export interface DocumentFile {
  name: string;
  text: string;
}

export interface FilePlan {
  outcome: ExportOutcome;
  /** The incident's document: where people read it (after kept-edits, the file they edited). */
  document: string;
  /** The file the draft is written to: the document itself, or the regenerated draft beside it. */
  write: string;
  /** Files of the incident under an older title, replaced by the document (only the bot's own). */
  remove: string[];
  /** The bot's last version of the document after this export (see BotVersion). */
  hash: string | undefined;
}

/**
 * What to write, given the incident's files already in the folder. A file is the bot's own when
 * its text is the bot's last version (`last.hash`) or exactly what the bot would write now; any
 * other text is people's edits (also when the bot's last version is unknown: documents exported
 * before it was kept are never overwritten unless they already say what the bot would write).
 */
export function planFileExport(doc: PostmortemDocument, existing: DocumentFile[], last: BotVersion | null): FilePlan {
  const name = postmortemFileName(doc.incidentNumber, doc.slug);
  const hash = contentHash(doc.markdown);
  if (existing.length === 0) return { outcome: "created", document: name, write: name, remove: [], hash };
  const botsOwn = (f: DocumentFile) => f.text === doc.markdown || (Boolean(last?.hash) && contentHash(f.text) === last?.hash);
  const edited = existing.filter((f) => !botsOwn(f)).map((f) => f.name);
  if (edited.length === 0) {
    // The incident may have been renamed since: its file under the older title goes.
    return { outcome: "updated", document: name, write: name, remove: existing.map((f) => f.name).filter((n) => n !== name), hash };
  }
  const document = edited.includes(name) ? name : [...edited].sort()[0];
  return { outcome: "kept-edits", document, write: regeneratedFileName(document), remove: [], hash: last?.hash ?? undefined };
}

/** The incident's files in `dir` with their text (none when the folder does not exist yet). */
export async function readDocumentFiles(dir: string, incidentNumber: number): Promise<DocumentFile[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((f) => isFileOf(incidentNumber, f)).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
  return Promise.all(names.map(async (name) => ({ name, text: await readFile(join(dir, name), "utf8") })));
}

/**
 * Writes the draft where the plan says (through a temporary file renamed over it, so a reader
 * never sees half a document) and removes the files it replaces.
 */
export async function writePlannedFiles(dir: string, plan: FilePlan, markdown: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const temp = join(dir, `.${plan.write}.${process.pid}.${Date.now()}.tmp`);
  await writeFile(temp, markdown, "utf8");
  await rename(temp, join(dir, plan.write));
  for (const other of plan.remove) await rm(join(dir, other), { force: true });
}
