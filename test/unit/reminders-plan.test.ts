// When reminders are due after each change, and what a due reminder does, by hand.
import { describe, expect, it } from "vitest";
import { addBusinessDays, DEFAULT_UPDATE_CADENCE, dueActionItem, dueReminder, parseUpdateCadence, remindersAfter, type RemindedIncident } from "../../src/reminders/plan.ts";
import { parseConfig } from "../../src/config.ts";

const at = (iso: string) => new Date(iso);
const NOW = at("2026-03-02T10:00:00Z"); // a Monday
const base: RemindedIncident = {
  id: 1,
  number: 7,
  title: "Checkout failing",
  severity: "SEV1",
  status: "investigating",
  commanderId: "UCMD",
  commsLeadId: null,
  declaredAt: NOW,
  channelId: "CINC",
  postmortemReviewedAt: null,
  private: false,
};
const C = DEFAULT_UPDATE_CADENCE;

describe("UPDATE_REMINDERS", () => {
  it("defaults SEV1 30 min, SEV2 1 h, SEV3/4 none; a subset keeps the rest", () => {
    expect(parseUpdateCadence("")).toEqual({ ok: true, cadence: { SEV1: 1800, SEV2: 3600, SEV3: null, SEV4: null } });
    expect(parseUpdateCadence("sev1=15m, sev3=2h,sev2=off")).toEqual({ ok: true, cadence: { SEV1: 900, SEV2: null, SEV3: 7200, SEV4: null } });
  });
  it("refuses what it cannot read, by variable name", () => {
    expect(parseUpdateCadence("sev5=1h").ok).toBe(false);
    expect(parseUpdateCadence("sev1=30s").ok).toBe(false);
    expect(() => parseConfig({ UPDATE_REMINDERS: "sev1=soon" })).toThrow(/UPDATE_REMINDERS: "sev1=soon" is not <severity>=<duration\|off>/);
    expect(parseConfig({ UPDATE_REMINDERS: "sev2=45m" }).UPDATE_REMINDERS.SEV2).toBe(2700);
  });
});

describe("due instants after a change", () => {
  it("declaring a SEV1: an update in 30 min, the roles check in 10 min; a SEV3: neither", () => {
    expect(remindersAfter([{ kind: "declared", title: "x", severity: "SEV1", commanderId: "UCMD" }], base, NOW, C)).toEqual([
      { kind: "update", dueAt: at("2026-03-02T10:30:00Z") },
      { kind: "roles", dueAt: at("2026-03-02T10:10:00Z") },
    ]);
    expect(remindersAfter([{ kind: "declared", title: "x", severity: "SEV3", commanderId: "UCMD" }], { ...base, severity: "SEV3" }, NOW, C)).toEqual([
      { kind: "update", dueAt: null },
      { kind: "roles", dueAt: null },
    ]);
  });
  it("an update resets the clock; a note does not", () => {
    const later = at("2026-03-02T10:20:00Z");
    expect(remindersAfter([{ kind: "status_update", text: "x" }], base, later, C)).toEqual([{ kind: "update", dueAt: at("2026-03-02T10:50:00Z") }]);
    expect(remindersAfter([{ kind: "note", text: "x" }], base, later, C)).toEqual([]);
  });
  it("a severity change applies the new cadence from then; raised to SEV2 without comms, the roles check (once)", () => {
    const later = at("2026-03-02T11:00:00Z");
    expect(remindersAfter([{ kind: "severity_changed", from: "SEV3", to: "SEV2" }], { ...base, severity: "SEV2" }, later, C)).toEqual([
      { kind: "update", dueAt: at("2026-03-02T12:00:00Z") },
      { kind: "roles", dueAt: later, unlessSent: true },
    ]);
    expect(remindersAfter([{ kind: "severity_changed", from: "SEV1", to: "SEV4" }], { ...base, severity: "SEV4" }, later, C)).toEqual([{ kind: "update", dueAt: null }]);
  });
  it("resolving stops updates and asks for closing in 24 h; closing asks for the review 5 business days later", () => {
    expect(remindersAfter([{ kind: "status_changed", from: "monitoring", to: "resolved" }], { ...base, status: "resolved" }, NOW, C)).toEqual([
      { kind: "update", dueAt: null },
      { kind: "roles", dueAt: null },
      { kind: "close", dueAt: at("2026-03-03T10:00:00Z") },
    ]);
    const friday = at("2026-03-06T16:00:00Z");
    expect(remindersAfter([{ kind: "status_changed", from: "resolved", to: "closed" }], { ...base, status: "closed" }, friday, C)).toEqual([
      { kind: "close", dueAt: null },
      { kind: "review", dueAt: at("2026-03-13T16:00:00Z") },
    ]);
  });
  it("business days skip the weekend", () => {
    expect(addBusinessDays(at("2026-03-02T09:00:00Z"), 5)).toEqual(at("2026-03-09T09:00:00Z")); // Mon → Mon
    expect(addBusinessDays(at("2026-03-07T09:00:00Z"), 1)).toEqual(at("2026-03-09T09:00:00Z")); // Sat → Mon
  });
});

describe("what a due reminder does", () => {
  it("update: to the communications lead in the channel, with buttons, again after the cadence", () => {
    expect(dueReminder("update", { ...base, commsLeadId: "UCOMMS" }, NOW, C)).toEqual({
      nudge: { kind: "update", channel: "CINC", userId: "UCOMMS", buttons: true },
      nextDueAt: at("2026-03-02T10:30:00Z"),
    });
    expect(dueReminder("update", base, NOW, C).nudge?.userId).toBe("UCMD");
    expect(dueReminder("update", { ...base, status: "resolved" }, NOW, C)).toEqual({ nudge: null, nextDueAt: null });
  });
  it("roles, close and review say nothing once the incident moved on", () => {
    expect(dueReminder("roles", { ...base, commsLeadId: "UCOMMS" }, NOW, C).nudge).toBeNull();
    expect(dueReminder("roles", base, NOW, C).nudge).toEqual({ kind: "roles", channel: "CINC", userId: "UCMD", buttons: false });
    expect(dueReminder("close", { ...base, status: "closed" }, NOW, C).nudge).toBeNull();
    expect(dueReminder("review", { ...base, status: "closed", postmortemReviewedAt: NOW }, NOW, C).nudge).toBeNull();
    expect(dueReminder("review", { ...base, status: "closed" }, NOW, C).nudge?.userId).toBe("UCMD");
  });
  it("an overdue action item: its owner (or the commander) weekly, nobody once done", () => {
    expect(dueActionItem({ ownerId: "UOWN", doneAt: null }, "UCMD", NOW)).toEqual({ userId: "UOWN", nextDueAt: at("2026-03-09T10:00:00Z") });
    expect(dueActionItem({ ownerId: null, doneAt: null }, "UCMD", NOW).userId).toBe("UCMD");
    expect(dueActionItem({ ownerId: "UOWN", doneAt: NOW }, "UCMD", NOW)).toEqual({ userId: null, nextDueAt: null });
  });
});
