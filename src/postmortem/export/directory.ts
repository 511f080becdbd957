// The directory exporter (the default): one Markdown file per incident in a folder.
import { mkdir, readdir, rename, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { checkDocument, ExportError, isFileOf, postmortemFileName, type PostmortemExporter } from "./exporter.ts";

export interface DirectoryExporterOptions {
  /** Absolute, or relative to the process's working directory. */
  dir: string;
}

/** Writes `<dir>/INC-<n>-<slug>.md`; a re-export overwrites it (and removes the file of an older title). */
export function createDirectoryExporter(opts: DirectoryExporterOptions): PostmortemExporter {
  const dir = resolve(opts.dir);
  return {
    name: "directory",
    async export(doc) {
      checkDocument(doc);
      const name = postmortemFileName(doc.incidentNumber, doc.slug);
      const file = join(dir, name);
      try {
        await mkdir(dir, { recursive: true });
        const temp = join(dir, `.${name}.${process.pid}.${Date.now()}.tmp`);
        await writeFile(temp, doc.markdown, "utf8");
        await rename(temp, file);
        for (const other of await readdir(dir)) {
          if (other !== name && isFileOf(doc.incidentNumber, other)) await rm(join(dir, other), { force: true });
        }
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        throw new ExportError(`Could not write the postmortem to ${file}: ${(err as Error).message}`, {
          retryable: code !== "EACCES" && code !== "EPERM" && code !== "EROFS" && code !== "ENOTDIR",
          cause: err,
        });
      }
      return { url: null, location: file };
    },
  };
}
