// The postmortem drafts the bot exported to its directory (POSTMORTEM_DIR), for the page's
// "Postmortems" panel. The folder is polled rather than fs.watch'ed: watching is unreliable on
// some file systems and before the folder exists, and a second's delay is fine here.
import { EventEmitter } from "node:events";
import { mkdir, readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";

export interface PostmortemFile {
  name: string;
  modified: string; // ISO time
  text: string;
}

const MAX_CHARS = 200_000; // a draft is a few KB; this only guards the page against a stray huge file

export class PostmortemFolder extends EventEmitter {
  private timer: NodeJS.Timeout | null = null;
  private signature = "";
  private polling = false;

  constructor(readonly dir: string) {
    super();
  }

  /** Creates the folder (so the exporter and a person can find it) and starts polling it. */
  async start(intervalMs = 1000): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    this.signature = await this.currentSignature();
    this.timer = setInterval(() => void this.poll(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** The `*.md` files, newest first. */
  async list(): Promise<PostmortemFile[]> {
    const files: PostmortemFile[] = [];
    for (const name of await this.names()) {
      try {
        const full = path.join(this.dir, name);
        const [info, text] = await Promise.all([stat(full), readFile(full, "utf8")]);
        files.push({ name, modified: info.mtime.toISOString(), text: text.length > MAX_CHARS ? `${text.slice(0, MAX_CHARS)}\n…` : text });
      } catch {
        // removed (or being replaced) between the listing and the read: the next poll shows it
      }
    }
    return files.sort((a, b) => b.modified.localeCompare(a.modified) || a.name.localeCompare(b.name));
  }

  private async names(): Promise<string[]> {
    try {
      return (await readdir(this.dir)).filter((n) => n.endsWith(".md"));
    } catch {
      return [];
    }
  }

  private async currentSignature(): Promise<string> {
    const parts: string[] = [];
    for (const name of (await this.names()).sort()) {
      const info = await stat(path.join(this.dir, name)).catch(() => null);
      if (info) parts.push(`${name}:${info.size}:${info.mtimeMs}`);
    }
    return parts.join("|");
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const sig = await this.currentSignature();
      if (sig !== this.signature) {
        this.signature = sig;
        this.emit("change", { kind: "postmortems" });
      }
    } finally {
      this.polling = false;
    }
  }
}
