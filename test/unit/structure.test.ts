// The shape of the code, checked: no module imports the process entry (main.ts); folders do not
// import each other in a circle; only each domain's store.ts (and db/) touch the database.
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const SRC = path.resolve(__dirname, "../../src");

function sources(dir = SRC): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) return name === "generated" ? [] : sources(p);
    return /\.(ts|js)$/.test(name) ? [p] : [];
  });
}

const files = sources();
const rel = (f: string) => path.relative(SRC, f).split(path.sep).join("/");
/** A folder of src/, or a file at the top of src/. */
const unitOf = (f: string) => rel(f).split("/")[0];

function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  return [...text.matchAll(/^\s*(?:import|export)\b[^'"]*?\bfrom\s+["'](\.[^"']+)["']/gm)].map((m) => path.resolve(path.dirname(file), m[1]));
}

describe("structure", () => {
  it("no module imports main.ts (the process entry)", () => {
    const importers = files.filter((f) => importsOf(f).some((t) => rel(t) === "main.ts")).map(rel);
    expect(importers).toEqual([]);
  });

  it("folders do not import each other in a circle", () => {
    const graph = new Map<string, Set<string>>();
    for (const f of files) {
      for (const t of importsOf(f)) {
        const [a, b] = [unitOf(f), unitOf(t)];
        if (a === b) continue;
        if (!graph.has(a)) graph.set(a, new Set());
        graph.get(a)!.add(b);
      }
    }
    // Tarjan's strongly connected components: a component of more than one unit is a circle.
    let index = 0;
    const stack: string[] = [];
    const meta = new Map<string, { index: number; low: number; onStack: boolean }>();
    const circles: string[][] = [];
    const visit = (v: string) => {
      meta.set(v, { index, low: index, onStack: true });
      index++;
      stack.push(v);
      for (const w of graph.get(v) ?? []) {
        if (!meta.has(w)) {
          visit(w);
          meta.get(v)!.low = Math.min(meta.get(v)!.low, meta.get(w)!.low);
        } else if (meta.get(w)!.onStack) meta.get(v)!.low = Math.min(meta.get(v)!.low, meta.get(w)!.index);
      }
      if (meta.get(v)!.low === meta.get(v)!.index) {
        const component: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          meta.get(w)!.onStack = false;
          component.push(w);
        } while (w !== v);
        if (component.length > 1) circles.push(component.sort());
      }
    };
    for (const v of graph.keys()) if (!meta.has(v)) visit(v);
    expect(circles).toEqual([]);
  });

  it("only */store.ts and db/ touch the database", () => {
    const touches = /\b(?:db|tx)\.(?:incident|timelineEvent|outboxMessage|page|pageNotification|schedule|scheduleOverride|escalationPolicy|service|shiftNotice|actionItem|processedRequest)\.|\$(?:queryRaw|executeRaw|queryRawUnsafe|executeRawUnsafe|transaction)\b/;
    const offenders = files.map(rel).filter((f) => !f.startsWith("db/") && !f.endsWith("/store.ts") && touches.test(readFileSync(path.join(SRC, f), "utf8")));
    expect(offenders).toEqual([]);
  });
});
