// The directory exporter (the default): one Markdown file per incident in a folder.
import { randomBytes } from "node:crypto";
import { rm, stat, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { checkDocument, ExportError, postmortemFileName, type PostmortemExporter } from "./exporter.ts";
import { planFileExport, readDocumentFiles, writePlannedFiles } from "./files.ts";

export interface DirectoryExporterOptions {
  /** Absolute, or relative to the process's working directory. */
  dir: string;
}

/**
 * Writes `<dir>/INC-<n>-<slug>.md`. A re-export overwrites it (and removes the file of an older
 * title) while it is as the bot left it; once people edited it, the draft goes to
 * `INC-<n>-<slug>.regenerated.md` beside it instead.
 */
export function createDirectoryExporter(opts: DirectoryExporterOptions): PostmortemExporter {
  const dir = resolve(opts.dir);
  return {
    name: "directory",
    async export(doc, last) {
      checkDocument(doc);
      let file = join(dir, postmortemFileName(doc.incidentNumber, doc.slug));
      try {
        const plan = planFileExport(doc, await readDocumentFiles(dir, doc.incidentNumber), last);
        file = join(dir, plan.write);
        await writePlannedFiles(dir, plan, doc.markdown);
        return {
          url: null,
          location: join(dir, plan.document),
          outcome: plan.outcome,
          ...(plan.outcome === "kept-edits" ? { regenerated: { url: null, location: file } } : {}),
          ...(plan.hash ? { hash: plan.hash } : {}),
        };
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        throw new ExportError(`Could not write the postmortem to ${file}: ${(err as Error).message}`, {
          retryable: code !== "EACCES" && code !== "EPERM" && code !== "EROFS" && code !== "ENOTDIR",
          cause: err,
        });
      }
    },
    check: () => checkWritableFolder(dir),
  };
}

/**
 * The folder is writable: a file is created in it and removed again. A folder that does not exist
 * yet is created on the first export, so then the nearest folder above it that exists must be.
 */
export async function checkWritableFolder(folder: string): Promise<string> {
  const dir = resolve(folder);
  let existing = dir;
  for (;;) {
    const found = await stat(existing).catch((err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT" || err.code === "ENOTDIR") return null;
      throw new ExportError(`Cannot look at ${existing}: ${err.message}`, { retryable: false, cause: err });
    });
    if (found) {
      if (!found.isDirectory()) throw new ExportError(`${existing} is not a folder${existing === dir ? "" : `, so ${dir} cannot be created`}`, { retryable: false });
      break;
    }
    const up = dirname(existing);
    if (up === existing) break;
    existing = up;
  }
  const probe = join(existing, `.incident-bot-check-${process.pid}-${randomBytes(4).toString("hex")}`);
  try {
    await writeFile(probe, "", { flag: "wx" });
  } catch (err) {
    throw new ExportError(`Cannot write in ${existing}: ${(err as Error).message}`, { retryable: false, cause: err });
  }
  try {
    await rm(probe, { force: true });
  } catch (err) {
    throw new ExportError(`Wrote in ${existing} but cannot remove what was written there (${probe}): ${(err as Error).message}`, { retryable: false, cause: err });
  }
  return existing === dir ? `${dir} is writable` : `${dir} does not exist yet; it will be created in ${existing}, which is writable`;
}
