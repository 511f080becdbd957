import { describe, expect, it } from "vitest";
import { directPolicy, dueSteps, isExhausted, nextPosition, walk, type FrozenPolicy } from "../../src/escalation/steps.ts";

const policy: FrozenPolicy = {
  name: "platform",
  levels: [
    { notify: [{ kind: "schedule", name: "primary" }], escalateAfterSeconds: 300 },
    { notify: [{ kind: "user", userId: "U1" }], escalateAfterSeconds: 600 },
  ],
  repeat: 2,
};

describe("escalation steps", () => {
  it("walks level by level, repeats from the first level, then is exhausted", () => {
    expect(walk(policy)).toEqual([
      { position: { round: 0, levelIndex: 0 }, atSeconds: 0 },
      { position: { round: 0, levelIndex: 1 }, atSeconds: 300 },
      { position: { round: 1, levelIndex: 0 }, atSeconds: 900 },
      { position: { round: 1, levelIndex: 1 }, atSeconds: 1200 },
      { position: { round: 2, levelIndex: 0 }, atSeconds: 1800 },
      { position: { round: 2, levelIndex: 1 }, atSeconds: 2100 },
      { position: { round: 3, levelIndex: 0 }, atSeconds: 2700 },
    ]);
    expect(isExhausted(policy, { round: 3, levelIndex: 0 })).toBe(true);
    expect(isExhausted(policy, { round: 2, levelIndex: 1 })).toBe(false);
  });

  it("without repeat, a one-level policy notifies once then is exhausted after its delay", () => {
    const once: FrozenPolicy = { name: "once", levels: [{ notify: [], escalateAfterSeconds: 60 }], repeat: 0 };
    expect(walk(once).map((s) => s.atSeconds)).toEqual([0, 60]);
    expect(nextPosition(once, { round: 0, levelIndex: 0 })).toEqual({ next: { round: 1, levelIndex: 0 }, delaySeconds: 60 });
  });

  it("a direct page asks every 5 minutes, three times in all", () => {
    const p = directPolicy({ kind: "user", userId: "U9" });
    expect(p.name).toBe("user:U9");
    expect(walk(p).map((s) => s.atSeconds)).toEqual([0, 300, 600, 900]);
  });

  describe("dueSteps", () => {
    const start = new Date("2026-05-01T10:00:00Z");
    const at = (seconds: number) => new Date(start.getTime() + seconds * 1000);
    const fresh = { state: "escalating" as const, round: 0, levelIndex: 0, nextStepAt: start };

    it("takes nothing before the next step is due", () => {
      const r = dueSteps(policy, { ...fresh, nextStepAt: at(300) }, at(299));
      expect(r.steps).toEqual([]);
      expect(r.after).toEqual({ ...fresh, nextStepAt: at(300) });
    });

    it("a late look catches up, each step once, timed from when it was due", () => {
      const r = dueSteps(policy, fresh, at(1000));
      expect(r.steps).toEqual([
        { kind: "notify", position: { round: 0, levelIndex: 0 }, stepAt: at(0), manual: false },
        { kind: "notify", position: { round: 0, levelIndex: 1 }, stepAt: at(300), manual: false },
        { kind: "notify", position: { round: 1, levelIndex: 0 }, stepAt: at(900), manual: false },
      ]);
      expect(r.after).toEqual({ state: "escalating", round: 1, levelIndex: 1, nextStepAt: at(1200) });
    });

    it("agrees with walk() for every instant of the policy's life", () => {
      const steps = walk(policy);
      const exhaustedAt = steps.at(-1)!.atSeconds;
      for (let t = 0; t <= exhaustedAt + 100; t += 50) {
        const r = dueSteps(policy, fresh, at(t));
        const expected = steps.filter((s) => s.atSeconds <= t);
        expect(r.steps.length).toBe(expected.length);
        expect(r.steps.map((s) => s.stepAt.getTime())).toEqual(expected.map((s) => at(s.atSeconds).getTime()));
        expect(r.after.state).toBe(t >= exhaustedAt ? "exhausted" : "escalating");
      }
    });

    it("escalate now takes the next step at once, then the timing starts from now", () => {
      const r = dueSteps(policy, { ...fresh, levelIndex: 1, nextStepAt: at(300) }, at(100), true);
      expect(r.steps).toEqual([{ kind: "notify", position: { round: 0, levelIndex: 1 }, stepAt: at(100), manual: true }]);
      expect(r.after.nextStepAt).toEqual(at(700));
    });

    it("an acknowledged or exhausted page takes no step, even when asked to escalate", () => {
      for (const state of ["acknowledged", "exhausted", "cancelled"] as const) {
        expect(dueSteps(policy, { ...fresh, state, nextStepAt: null }, at(5000), true).steps).toEqual([]);
      }
    });
  });
});

