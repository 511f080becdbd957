// Error budgets and the key times they are made from, on a hand-computed set of incidents.
import { describe, expect, it } from "vitest";
import { impactInterval, keyTimes, timeToAcknowledgeMs, timeToMitigateMs, timeToResolveMs, type TimedEvent } from "../../src/incidents/durations.ts";
import type { TimelineData } from "../../src/incidents/timeline.ts";
import { budgetAt, budgetMs, burnRate, coveredMs, formatBudget, spentSentence, thresholdsReached, type Impact, type Slo } from "../../src/slo/budget.ts";

const MIN = 60_000;
const at = (iso: string) => new Date(iso);
const ev = (iso: string, data: TimelineData): TimedEvent => ({ occurredAt: at(iso), data });
const CHECKOUT: Slo = { objective: 99.9, windowSeconds: 30 * 86_400, countsFrom: "SEV2" };

describe("key times and durations (one definition, shared by the postmortem, metrics and budgets)", () => {
  const timeline: TimedEvent[] = [
    ev("2026-03-01T10:00:00Z", { kind: "declared", title: "Checkout failing", severity: "SEV3", commanderId: "U1" }),
    ev("2026-03-01T10:06:00Z", { kind: "page_sent", pageId: 1, userId: "U2", level: 1, round: 0 }),
    ev("2026-03-01T10:09:30Z", { kind: "page_acknowledged", pageId: 1, userId: "U2" }),
    ev("2026-03-01T10:20:00Z", { kind: "severity_changed", from: "SEV3", to: "SEV1" }),
    ev("2026-03-01T10:40:00Z", { kind: "severity_changed", from: "SEV1", to: "SEV2" }),
    ev("2026-03-01T11:15:00Z", { kind: "status_changed", from: "identified", to: "monitoring" }),
    ev("2026-03-01T11:30:00Z", { kind: "status_changed", from: "monitoring", to: "investigating" }),
    ev("2026-03-01T11:45:00Z", { kind: "status_changed", from: "investigating", to: "monitoring" }),
    ev("2026-03-01T12:14:00Z", { kind: "status_changed", from: "monitoring", to: "resolved" }),
  ];
  const k = keyTimes(timeline, { declaredAt: at("2026-03-01T09:00:00Z"), severity: "SEV2" });

  it("acknowledge from the first page, mitigate at the first move to monitoring, resolve at resolution", () => {
    expect(timeToAcknowledgeMs(k)).toBe(3.5 * MIN);
    expect(timeToMitigateMs(k)).toBe(75 * MIN);
    expect(timeToResolveMs(k)).toBe(134 * MIN);
    expect(k.highestSeverity).toBe("SEV1");
  });

  it("impact: declaration to mitigation, unless people said otherwise (the last word counts)", () => {
    expect(impactInterval(k, at("2026-03-02T00:00:00Z"))).toEqual({ startAt: at("2026-03-01T10:00:00Z"), endAt: at("2026-03-01T11:15:00Z") });
    const edited = keyTimes(
      [
        ...timeline,
        ev("2026-03-01T13:00:00Z", { kind: "impact_changed", edge: "start", at: "2026-03-01T09:30:00.000Z" }),
        ev("2026-03-01T13:01:00Z", { kind: "impact_changed", edge: "end", at: "2026-03-01T11:00:00.000Z" }),
        ev("2026-03-01T13:02:00Z", { kind: "impact_changed", edge: "end", at: "2026-03-01T11:05:00.000Z" }),
      ],
      { declaredAt: at("2026-03-01T10:00:00Z"), severity: "SEV2" },
    );
    expect(impactInterval(edited, at("2026-03-02T00:00:00Z"))).toEqual({ startAt: at("2026-03-01T09:30:00Z"), endAt: at("2026-03-01T11:05:00Z") });
  });

  it("an incident never mitigated nor resolved is still spending at `now`; without monitoring, resolution ends it", () => {
    const open = keyTimes(timeline.slice(0, 4), { declaredAt: at("2026-03-01T10:00:00Z"), severity: "SEV3" });
    expect(impactInterval(open, at("2026-03-01T10:30:00Z"))).toEqual({ startAt: at("2026-03-01T10:00:00Z"), endAt: at("2026-03-01T10:30:00Z") });
    const resolvedOnly = keyTimes([timeline[0], ev("2026-03-01T10:50:00Z", { kind: "status_changed", from: "investigating", to: "resolved" })], { declaredAt: at("2026-03-01T10:00:00Z"), severity: "SEV3" });
    expect(impactInterval(resolvedOnly, at("2026-03-02T00:00:00Z")).endAt).toEqual(at("2026-03-01T10:50:00Z"));
  });
});

describe("error budgets", () => {
  it("99.9 % over 30 days is 43.2 minutes", () => {
    expect(budgetMs(CHECKOUT)).toBe(43.2 * MIN);
    expect(formatBudget(budgetMs(CHECKOUT))).toBe("43.2 min");
    expect(budgetMs({ objective: 99.5, windowSeconds: 7 * 86_400, countsFrom: "SEV1" })).toBe(50.4 * MIN);
  });

  it("spent, remaining, the incidents that spent it and the burn rates, by hand", () => {
    const now = at("2026-03-31T12:00:00Z");
    const impacts: Impact[] = [
      // 21 min, SEV1: counts
      { incidentNumber: 3, highestSeverity: "SEV1", startAt: at("2026-03-20T10:00:00Z"), endAt: at("2026-03-20T10:21:00Z") },
      // SEV3: below counts_from, spends nothing
      { incidentNumber: 4, highestSeverity: "SEV3", startAt: at("2026-03-21T10:00:00Z"), endAt: at("2026-03-21T12:00:00Z") },
      // 10 min, overlapping INC-3 by 6 min (10:15–10:21): counted once, 4 min more
      { incidentNumber: 5, highestSeverity: "SEV2", startAt: at("2026-03-20T10:15:00Z"), endAt: at("2026-03-20T10:25:00Z") },
      // still going on: 30 min up to now, all within the last hour
      { incidentNumber: 6, highestSeverity: "SEV2", startAt: at("2026-03-31T11:30:00Z"), endAt: now },
    ];
    const r = budgetAt(CHECKOUT, impacts, now);
    expect(r.windowStartAt).toEqual(at("2026-03-01T12:00:00Z"));
    expect(r.spentMs).toBe((21 + 4 + 30) * MIN);
    expect(r.remainingMs).toBe(-11.8 * MIN);
    expect(r.remainingPercent).toBe(-27.3); // 11.8 / 43.2 = 27.31 % overspent
    expect(r.incidents).toEqual([
      { incidentNumber: 6, spentMs: 30 * MIN },
      { incidentNumber: 3, spentMs: 21 * MIN },
      { incidentNumber: 5, spentMs: 10 * MIN },
    ]);
    // last hour: 30 of 60 min impacted → 0.5 / 0.001 = 500; last 6 h: 30 of 360 min → 83.3
    expect(r.burnRate1h).toBeCloseTo(500, 6);
    expect(r.burnRate6h).toBeCloseTo(83.333333, 4);
    expect(thresholdsReached(r)).toEqual([50, 25, 0]);
  });

  it("a window boundary: only the part of an incident inside the window counts", () => {
    const impacts: Impact[] = [{ incidentNumber: 1, highestSeverity: "SEV2", startAt: at("2026-03-01T11:50:00Z"), endAt: at("2026-03-01T12:10:00Z") }];
    // the window starts at 12:00 on 1 March: 10 of the 20 min are inside
    expect(budgetAt(CHECKOUT, impacts, at("2026-03-31T12:00:00Z")).spentMs).toBe(10 * MIN);
    // a minute later, 9
    expect(budgetAt(CHECKOUT, impacts, at("2026-03-31T12:01:00Z")).spentMs).toBe(9 * MIN);
    // once the window has passed it entirely, nothing
    expect(budgetAt(CHECKOUT, impacts, at("2026-03-31T12:10:00Z")).spentMs).toBe(0);
    expect(budgetAt(CHECKOUT, impacts, at("2026-03-31T12:10:00Z")).remainingPercent).toBe(100);
  });

  it("a window across a daylight-saving change is exactly its length in real time (instants, not wall clocks)", () => {
    // New York springs forward on 8 March 2026 (02:00 → 03:00). A 7-day window ending at 12:00 EDT
    // on 12 March starts at 12:00 UTC+0 on 5 March = 07:00 EST, not 12:00 EST.
    const week: Slo = { objective: 99, windowSeconds: 7 * 86_400, countsFrom: "SEV2" };
    const now = at("2026-03-12T12:00:00-04:00");
    const r = budgetAt(week, [], now);
    expect(r.windowStartAt).toEqual(at("2026-03-05T11:00:00-05:00"));
    expect(now.getTime() - r.windowStartAt.getTime()).toBe(7 * 86_400_000);
    // an incident from 10:30 to 11:30 EST on 5 March: 30 min of it inside the window
    const impacts: Impact[] = [{ incidentNumber: 9, highestSeverity: "SEV1", startAt: at("2026-03-05T10:30:00-05:00"), endAt: at("2026-03-05T11:30:00-05:00") }];
    expect(budgetAt(week, impacts, now).spentMs).toBe(30 * MIN);
    // 1 % of a week is 100.8 min: 30 min leaves 70.8 min, 70.2 %
    expect(budgetAt(week, impacts, now).remainingPercent).toBe(70.2);
    // one spanning the change itself (01:30 EST to 03:30 EDT on 8 March) lasted one hour, not two
    const across: Impact[] = [{ incidentNumber: 10, highestSeverity: "SEV2", startAt: at("2026-03-08T01:30:00-05:00"), endAt: at("2026-03-08T03:30:00-04:00") }];
    expect(budgetAt(week, across, now).spentMs).toBe(60 * MIN);
  });

  it("thresholds: at or below 50, 25 and 0 % remaining", () => {
    const b = 43.2 * MIN;
    expect(thresholdsReached({ budgetMs: b, remainingMs: b * 0.51 })).toEqual([]);
    expect(thresholdsReached({ budgetMs: b, remainingMs: b * 0.5 })).toEqual([50]);
    expect(thresholdsReached({ budgetMs: b, remainingMs: b * 0.2 })).toEqual([50, 25]);
    expect(thresholdsReached({ budgetMs: b, remainingMs: 0 })).toEqual([50, 25, 0]);
  });

  it("overlapping intervals are covered once; the postmortem's sentence", () => {
    const i = (s: string, e: string) => ({ startAt: at(s), endAt: at(e) });
    expect(coveredMs([i("2026-01-01T00:00Z", "2026-01-01T00:10Z"), i("2026-01-01T00:05Z", "2026-01-01T00:20Z"), i("2026-01-01T00:30Z", "2026-01-01T00:40Z")], at("2026-01-01T00:00Z"), at("2026-01-02T00:00Z"))).toBe(30 * MIN);
    expect(spentSentence("checkout", CHECKOUT, 21 * MIN)).toBe("21 min of checkout's 43.2 min budget, 49 %");
    expect(burnRate(CHECKOUT, [], at("2026-01-01T00:00Z"), 3_600_000)).toBe(0);
  });
});
