// Where the bot's own files are (migrations, the postmortem template, the app manifest, the sample
// rota, the local workspace's page): under the checkout's root, found from this file, whether the
// bot runs from its TypeScript sources (src/) or from the JavaScript built from them (dist/src/).
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

function findRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, "package.json")) && existsSync(path.join(dir, "prisma"))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`incident-bot's files (package.json, prisma/) are not above ${from}`);
  }
}

export const ROOT: string = findRoot(path.dirname(fileURLToPath(import.meta.url)));

/** A path under the checkout's root. */
export const fromRoot = (...parts: string[]): string => path.join(ROOT, ...parts);
