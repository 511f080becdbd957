import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  channelNameFor,
  decide,
  replay,
  ROLES,
  SEVERITIES,
  STATUSES,
  TRANSITIONS,
  type Change,
  type IncidentState,
  type Status,
} from "../../src/incidents/lifecycle.ts";
import type { TimelineData } from "../../src/incidents/timeline.ts";

const base = (status: Status): IncidentState => ({
  title: "Checkout failing",
  severity: "SEV2",
  status,
  commanderId: "U1",
  commsLeadId: null,
  scribeId: null,
  resolution: null,
});

const OPEN: Status[] = ["investigating", "identified", "monitoring"];

/** What the issue says, written out independently of the table in the code. */
function allowedByTheRules(from: Status, to: Status): boolean {
  if (from === to) return false;
  if (OPEN.includes(from)) return OPEN.includes(to) || to === "resolved";
  if (from === "resolved") return to === "investigating" || to === "closed";
  return false;
}

const everyChange = (): Change[] => [
  ...SEVERITIES.map((to) => ({ kind: "severity", to }) as Change),
  ...STATUSES.map((to) => ({ kind: "status", to }) as Change),
  { kind: "commander", to: "U2" },
  { kind: "commander", to: "U1" },
  ...ROLES.map((role) => ({ kind: "role", role, to: "U3" }) as Change),
  { kind: "status_update", text: "rolling back" },
  { kind: "note", text: "db team paged" },
  { kind: "resolve", text: "rolled back" },
  { kind: "reopen" },
  { kind: "close" },
];

describe("the transition table", () => {
  it("matches the lifecycle rules for every pair of statuses", () => {
    for (const from of STATUSES) for (const to of STATUSES) expect(TRANSITIONS[from].includes(to), `${from} → ${to}`).toBe(allowedByTheRules(from, to));
  });

  it("decides every status × every command", () => {
    for (const status of STATUSES) {
      for (const change of everyChange()) {
        const d = decide(base(status), change);
        const label = `${status} × ${JSON.stringify(change)}`;
        let expected: boolean;
        switch (change.kind) {
          case "status":
            expected = allowedByTheRules(status, change.to);
            break;
          case "resolve":
            expected = allowedByTheRules(status, "resolved");
            break;
          case "reopen":
            expected = status === "resolved";
            break;
          case "close":
            expected = status === "resolved";
            break;
          case "severity":
            expected = status !== "closed" && change.to !== "SEV2";
            break;
          case "commander":
            expected = status !== "closed" && change.to !== "U1";
            break;
          default:
            expected = status !== "closed";
        }
        expect(d.ok, label).toBe(expected);
        if (d.ok) {
          expect(d.events.length, label).toBe(1);
        } else {
          expect(d.error.length, label).toBeGreaterThan(10);
        }
      }
    }
  });

  it("says which changes are allowed when it refuses a status change", () => {
    const d = decide(base("resolved"), { kind: "status", to: "monitoring" });
    expect(d.ok).toBe(false);
    if (!d.ok) expect(d.error).toContain("investigating, closed");
    const closed = decide(base("closed"), { kind: "reopen" });
    expect(closed.ok).toBe(false);
    if (!closed.ok) expect(closed.error).toMatch(/final/);
  });
});

describe("the timeline explains the state", () => {
  const change: fc.Arbitrary<Change> = fc.oneof(
    fc.constantFrom(...SEVERITIES).map((to) => ({ kind: "severity", to }) as Change),
    fc.constantFrom(...STATUSES).map((to) => ({ kind: "status", to }) as Change),
    fc.constantFrom("U1", "U2", "U3").map((to) => ({ kind: "commander", to }) as Change),
    fc.record({ role: fc.constantFrom(...ROLES), to: fc.constantFrom("U4", "U5") }).map((r) => ({ kind: "role", ...r }) as Change),
    fc.string().map((text) => ({ kind: "note", text }) as Change),
    fc.string().map((text) => ({ kind: "status_update", text }) as Change),
    fc.option(fc.string(), { nil: undefined }).map((text) => ({ kind: "resolve", text }) as Change),
    fc.constant({ kind: "reopen" } as Change),
    fc.constant({ kind: "close" } as Change),
  );

  it("replaying the events of any command sequence gives the current state", () => {
    fc.assert(
      fc.property(fc.array(change, { maxLength: 60 }), (changes) => {
        const declared: TimelineData = { kind: "declared", title: "t", severity: "SEV3", commanderId: "U1" };
        const timeline: TimelineData[] = [declared];
        let state = replay(timeline);
        for (const c of changes) {
          const d = decide(state, c);
          if (!d.ok) continue;
          // every accepted status change is one the table allows
          for (const e of d.events) if (e.kind === "status_changed") expect(TRANSITIONS[e.from].includes(e.to)).toBe(true);
          timeline.push(...d.events);
          state = d.state;
          expect(replay(timeline)).toEqual(state);
        }
        if (timeline.some((e) => e.kind === "status_changed" && e.to === "closed")) expect(state.status).toBe("closed");
      }),
      { numRuns: 300 },
    );
  });
});

describe("channel names", () => {
  it("is inc-<n>-<slug> within 80 characters, with a suffix when taken", () => {
    expect(channelNameFor(7, "Checkout: 500s for EU users!")).toBe("inc-7-checkout-500s-for-eu-users");
    expect(channelNameFor(7, "Checkout: 500s for EU users!", 1)).toBe("inc-7-checkout-500s-for-eu-users-2");
    expect(channelNameFor(12, "Ünïcödé café")).toBe("inc-12-unicode-cafe");
    expect(channelNameFor(3, "🔥🔥")).toBe("inc-3");
    const long = channelNameFor(123456, "a very long title ".repeat(20), 3);
    expect(long.length).toBeLessThanOrEqual(80);
    expect(long).toMatch(/^inc-123456-a-very-long-title.*-4$/);
    expect(long).toMatch(/^[a-z0-9-]+$/);
  });
});
