// The JavaScript the bot runs from: built from every source file, imports pointed at .js, and
// counted stale as soon as a source file changes (the command then runs the sources themselves).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain ES module script, without types
import { build, isBuildCurrent, rewriteImports } from "../../scripts/build.mjs";
import { fromRoot, ROOT } from "../../src/paths.ts";

describe("the build", () => {
  it("points relative .ts imports at .js, and leaves packages and other strings alone", () => {
    const code = [
      'import { a } from "./a.ts";',
      'export { b } from "../b/b.ts";',
      'const m = await import("./lazy.ts");',
      'import pg from "pg";',
      'const s = "not an import: ./x.ts";',
    ].join("\n");
    expect(rewriteImports(code).split("\n")).toEqual([
      'import { a } from "./a.js";',
      'export { b } from "../b/b.js";',
      'const m = await import("./lazy.js");',
      'import pg from "pg";',
      'const s = "not an import: ./x.ts";',
    ]);
  });

  it("builds every source file, and is stale once one changes or is added", async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), "build-"));
    try {
      mkdirSync(path.join(root, "src", "db"), { recursive: true });
      writeFileSync(path.join(root, "src", "main.ts"), 'import { x } from "./db/x.ts";\nexport const y: number = x + 1;\n');
      writeFileSync(path.join(root, "src", "db", "x.ts"), "export const x: number = 41;\n");
      expect(isBuildCurrent(root)).toBe(false);
      expect(await build(root)).toBe(2);
      expect(isBuildCurrent(root)).toBe(true);
      expect(readFileSync(path.join(root, "dist", "src", "main.js"), "utf8")).toContain('from "./db/x.js"');
      const { y } = await import(path.join(root, "dist", "src", "main.js"));
      expect(y).toBe(42);

      const later = new Date(Date.now() + 5_000);
      utimesSync(path.join(root, "src", "db", "x.ts"), later, later);
      expect(isBuildCurrent(root)).toBe(false);
      await build(root);
      expect(isBuildCurrent(root)).toBe(true);
      writeFileSync(path.join(root, "src", "new.ts"), "export {};\n");
      utimesSync(path.join(root, "src", "new.ts"), new Date(0), new Date(0)); // even an old file, new to the build
      expect(isBuildCurrent(root)).toBe(false);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("finds the checkout's files from the sources (and from dist/, one level further down)", () => {
    expect(readFileSync(path.join(ROOT, "package.json"), "utf8")).toContain('"name": "incident-bot"');
    expect(fromRoot("prisma", "migrations")).toBe(path.join(ROOT, "prisma", "migrations"));
  });
});
