#!/usr/bin/env node
// Builds the JavaScript the bot runs from (dist/src/, run by `npm install` after the Prisma client
// is generated): each TypeScript file of src/ compiled on its own by esbuild (as tsx would at run
// time, without type checks: `npm run typecheck` does those), with its relative `.ts` imports
// turned into `.js`. Running built JavaScript spares the process the TypeScript loader's thread and
// its memory (see the README's benchmark table). bin/incident-bot.js runs dist/ only while it is as
// new as every file of src/; after any edit it runs src/ through tsx, until the next build.
//
//   node scripts/build.mjs           build dist/src/
//   node scripts/build.mjs --check   say whether dist/ is current (exit 1 when it is not)
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const STAMP = "BUILD.json";

/** Every TypeScript file under src/, with the newest modification time among them. */
export function sources(rootDir = root) {
  const files = [];
  let newest = 0;
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) {
        files.push(full);
        newest = Math.max(newest, statSync(full).mtimeMs);
      }
    }
  };
  walk(path.join(rootDir, "src"));
  return { files, newest };
}

/** Whether dist/ was built from src/ as it is now (same files, none changed since). */
export function isBuildCurrent(rootDir = root) {
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(path.join(rootDir, "dist", STAMP), "utf8"));
  } catch {
    return false;
  }
  const now = sources(rootDir);
  return stamp.files === now.files.length && stamp.newest === now.newest;
}

/** `from "./x.ts"`, `import("../y.ts")`, `export … from "./z.ts"` → `.js` (relative specifiers only). */
export function rewriteImports(code) {
  return code.replace(/((?:\bfrom|\bimport)\s*\(?\s*)(["'])(\.\.?\/[^"'\n]+?)\.ts\2/g, "$1$2$3.js$2");
}

export async function build(rootDir = root) {
  const { transform } = await import("esbuild");
  const { files, newest } = sources(rootDir);
  const out = path.join(rootDir, "dist");
  rmSync(out, { recursive: true, force: true });
  await Promise.all(
    files.map(async (file) => {
      const rel = path.relative(rootDir, file);
      const { code } = await transform(readFileSync(file, "utf8"), { loader: "ts", format: "esm", target: "node20", sourcefile: rel });
      const target = path.join(out, rel.replace(/\.ts$/, ".js"));
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, rewriteImports(code));
    }),
  );
  writeFileSync(path.join(out, STAMP), `${JSON.stringify({ files: files.length, newest })}\n`);
  return files.length;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (process.argv.includes("--check")) {
    const current = isBuildCurrent();
    process.stdout.write(current ? "dist/ is current\n" : "dist/ is missing or older than src/ (run npm run build)\n");
    process.exit(current ? 0 : 1);
  }
  const started = Date.now();
  const n = await build();
  process.stdout.write(`built ${n} files into dist/src/ in ${Date.now() - started} ms\n`);
}
