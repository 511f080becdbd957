// The directory exporter (the default): one Markdown file per incident in a folder.
import { join, resolve } from "node:path";
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
  };
}
