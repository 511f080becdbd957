import { describe, expect, it } from "vitest";
import { directPolicy, isExhausted, nextPosition, walk, type FrozenPolicy } from "../../src/escalation/steps.ts";

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
});
