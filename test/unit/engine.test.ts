// The engine's modules are independent: one that fails or hangs never stops the others, and a
// run that overran its timeout is started again rather than waited for.
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../src/clock.ts";
import { Engine } from "../../src/engine/engine.ts";
import type { EngineModule } from "../../src/engine/module.ts";
import { memoryLogger } from "../../src/log.ts";

function counting(name: string): EngineModule & { runs: Date[] } {
  const runs: Date[] = [];
  return { name, runs, runDue: async (now) => (runs.push(now), 1) };
}

describe("engine", () => {
  it("a failing module is logged under its name and the others run every tick", async () => {
    const clock = new ManualClock("2026-05-01T00:00:00Z");
    const log = memoryLogger();
    const escalation = counting("escalation");
    const failing: EngineModule = { name: "shift-notices", runDue: async () => Promise.reject(new Error("schedule table is gone")) };
    const worked: string[] = [];
    const engine = new Engine({ clock, log, modules: [failing, escalation], tickSeconds: 5, onWork: (m) => worked.push(m) });
    for (let i = 0; i < 3; i++) {
      await engine.tick();
      clock.advance(5_000);
    }
    expect(escalation.runs.length).toBe(3);
    expect(worked).toEqual(["escalation", "escalation", "escalation"]);
    expect(log.lines.filter((l) => l.includes("module shift-notices failed: schedule table is gone")).length).toBe(3);
    const status = engine.moduleStatus();
    expect(status.find((s) => s.name === "shift-notices")).toMatchObject({ failures: 3, lastError: "schedule table is gone" });
    expect(status.find((s) => s.name === "escalation")).toMatchObject({ failures: 0, lastError: null, runs: 3 });
    // a tick with a failing module is not a completed tick
    expect(engine.lastCompletedTickAt()).toBeNull();
  });

  it("a module that hangs is given up on after its timeout; the others keep running and it is started again", async () => {
    const clock = new ManualClock("2026-05-01T00:00:00Z");
    const log = memoryLogger();
    const escalation = counting("escalation");
    let hangs = 0;
    const hanging: EngineModule = { name: "housekeeping", timeoutMs: 50, runDue: () => (hangs++, new Promise<number>(() => undefined)) };
    const engine = new Engine({ clock, log, modules: [hanging, escalation], tickSeconds: 5 });
    const started = Date.now();
    await engine.tick();
    await engine.tick();
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(escalation.runs.length).toBe(2);
    expect(hangs).toBe(2);
    expect(log.lines.some((l) => l.includes("module housekeeping failed: timed out after 0.05s"))).toBe(true);
    expect(log.lines.some((l) => l.includes("housekeeping is still running after 0.05s; starting it again"))).toBe(true);
  });

  it("a module still running within its timeout is not started twice; a tick with every module well is recorded", async () => {
    const clock = new ManualClock("2026-05-01T00:00:00Z");
    let release!: () => void;
    let runs = 0;
    const slow: EngineModule = { name: "escalation", runDue: () => (runs++, new Promise<number>((r) => (release = () => r(0)))) };
    const engine = new Engine({ clock, log: memoryLogger(), modules: [slow], tickSeconds: 5 });
    const first = engine.tick();
    await engine.tick(); // returns at once: the first run is still going
    expect(runs).toBe(1);
    release();
    await first;
    expect(engine.lastCompletedTickAt()).toEqual(clock.now());
  });
});
