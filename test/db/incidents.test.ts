import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/clock.ts";
import { replay } from "../../src/incidents/lifecycle.ts";
import { IncidentService } from "../../src/incidents/service.ts";
import { lockIncident } from "../../src/incidents/store.ts";
import { UserError } from "../../src/errors.ts";
import { member } from "../support/actors.ts";
import { freshDatabase, type TestDatabase } from "../support/db.ts";

let t: TestDatabase;
const clock = new ManualClock("2026-03-01T10:00:00Z");
let svc: IncidentService;

beforeAll(async () => {
  t = await freshDatabase();
  svc = new IncidentService({ db: t.db, clock, announceChannel: "C0ANNOUNCE" });
});
afterAll(async () => t.drop());

describe("declaring", () => {
  it("writes the incident, its first timeline event and the Slack writes in one go", async () => {
    const { incident } = await svc.declare({ title: "Checkout failing", severity: "SEV1", commanderId: "U2" }, member("U1"));
    expect(incident.number).toBe(1);
    expect(incident.status).toBe("investigating");
    expect(incident.channelName).toBe("inc-1-checkout-failing");
    const timeline = await svc.timeline(incident.id);
    expect(timeline.map((e) => e.data.kind)).toEqual(["declared"]);
    expect(timeline[0].actorId).toBe("U1");
    const outbox = await t.db.outboxMessage.findMany({ where: { incidentId: incident.id }, orderBy: { id: "asc" } });
    expect(outbox.map((m) => m.kind)).toEqual(["incident.create_channel", "incident.invite", "incident.post_card", "incident.pin_card", "incident.announce"]);
    expect(outbox[1].payload).toEqual({ users: ["U1", "U2"] });
  });

  it("numbers incidents without gaps, even when declared at the same moment", async () => {
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => svc.declare({ title: `Parallel ${i}`, severity: "SEV3" }, member("U1"))));
    const numbers = results.map((r) => r.incident.number).sort((a, b) => a - b);
    expect(numbers).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it("declares once for a repeated request", async () => {
    const a = await svc.declare({ title: "Retried", severity: "SEV2" }, member("U1"), "command:trigger-1");
    const b = await svc.declare({ title: "Retried", severity: "SEV2" }, member("U1"), "command:trigger-1");
    expect(b.duplicate).toBe(true);
    expect(b.incident.id).toBe(a.incident.id);
    expect(await t.db.incident.count({ where: { title: "Retried" } })).toBe(1);
  });
});

describe("changing", () => {
  it("records every change on the timeline with who and what, and the timeline explains the state", async () => {
    const { incident } = await svc.declare({ title: "Search down", severity: "SEV3" }, member("U1"));
    clock.advance(60_000);
    await svc.change(incident.id, { kind: "severity", to: "SEV1" }, member("U1"));
    await svc.change(incident.id, { kind: "commander", to: "U3" }, member("U1"));
    await svc.change(incident.id, { kind: "role", role: "scribe", to: "U4" }, member("U3"));
    await svc.change(incident.id, { kind: "status", to: "identified" }, member("U3"));
    await svc.change(incident.id, { kind: "status_update", text: "index rebuilt" }, member("U3"));
    await svc.change(incident.id, { kind: "resolve", text: "reindexed" }, member("U3"));
    const closed = await svc.change(incident.id, { kind: "close" }, member("U3"));
    expect(closed.incident.status).toBe("closed");
    expect(closed.incident.closedAt?.toISOString()).toBe(clock.now().toISOString());
    const timeline = await svc.timeline(incident.id);
    expect(timeline.map((e) => e.data.kind)).toEqual(["declared", "severity_changed", "commander_changed", "role_assigned", "status_changed", "status_update", "status_changed", "status_changed"]);
    expect(timeline[1]).toMatchObject({ actorId: "U1", data: { from: "SEV3", to: "SEV1" } });
    const state = replay(timeline.map((e) => e.data));
    const row = await svc.byId(incident.id);
    expect(state).toEqual({ title: row!.title, severity: row!.severity, status: row!.status, commanderId: row!.commanderId, commsLeadId: row!.commsLeadId, scribeId: row!.scribeId, resolution: row!.resolution });
    // six changes show on the card: one edit waits for them all (it shows the incident as it is
    // when it goes out); the update is posted and announced
    const kinds = (await t.db.outboxMessage.findMany({ where: { incidentId: incident.id }, orderBy: { id: "asc" } })).map((m) => m.kind);
    expect(kinds.filter((k) => k === "incident.update_card").length).toBe(1);
    expect(kinds.filter((k) => k === "incident.post").length).toBe(1);
  });

  it("locking an incident reads every field of it, as a plain read does", async () => {
    const { incident } = await svc.declare({ title: "Every field", severity: "SEV2", description: "all of it", service: null }, member("U1"));
    await svc.change(incident.id, { kind: "resolve", text: "fixed" }, member("U1"));
    const read = await svc.byId(incident.id);
    const locked = await t.db.$transaction((tx) => lockIncident(tx, incident.id));
    expect(locked).toEqual(read);
    expect(Object.keys(locked!).sort()).toEqual(Object.keys(t.db.incident.fields).sort());
  });

  it("refuses a forbidden change and writes nothing", async () => {
    const { incident } = await svc.declare({ title: "Refusals", severity: "SEV3" }, member("U1"));
    const before = { timeline: await t.db.timelineEvent.count(), outbox: await t.db.outboxMessage.count() };
    await expect(svc.change(incident.id, { kind: "close" }, member("U1"))).rejects.toThrow(UserError);
    await expect(svc.change(incident.id, { kind: "reopen" }, member("U1"))).rejects.toThrow(/Only a resolved incident/);
    await expect(svc.change(incident.id, { kind: "severity", to: "SEV3" }, member("U1"))).rejects.toThrow(/already SEV3/);
    expect(await t.db.timelineEvent.count()).toBe(before.timeline);
    expect(await t.db.outboxMessage.count()).toBe(before.outbox);
    expect((await svc.byId(incident.id))!.version).toBe(1);
  });

  it("applies concurrent changes one after the other: none is lost", async () => {
    const { incident } = await svc.declare({ title: "Contended", severity: "SEV4" }, member("U1"));
    const other = new IncidentService({ db: t.connect(), clock });
    const notes = Array.from({ length: 20 }, (_, i) => (i % 2 ? svc : other).change(incident.id, { kind: "note", text: `note ${i}` }, member(`U${i}`)));
    const sevs = [svc.change(incident.id, { kind: "severity", to: "SEV1" }, member("U1")), other.change(incident.id, { kind: "severity", to: "SEV2" }, member("U1"))];
    const results = await Promise.allSettled([...notes, ...sevs]);
    expect(results.filter((r) => r.status === "rejected")).toEqual([]);
    const timeline = await svc.timeline(incident.id);
    expect(timeline.filter((e) => e.data.kind === "note").length).toBe(20);
    const sevChanges = timeline.filter((e) => e.data.kind === "severity_changed");
    expect(sevChanges.length).toBe(2);
    // the second severity change saw the first one: from = the first's to
    expect((sevChanges[1].data as { from: string }).from).toBe((sevChanges[0].data as { to: string }).to);
    const row = await svc.byId(incident.id);
    expect(row!.version).toBe(1 + 2); // notes add to the timeline and leave the incident as it was
    expect(row!.severity).toBe((sevChanges[1].data as { to: string }).to);
  });

  it("finds the incident of a channel, or by its number, or lists the open ones", async () => {
    await t.db.incident.update({ where: { number: 1 }, data: { channelId: "C0INC1" } });
    expect((await svc.resolveTarget("C0INC1", null, member("U1"))).number).toBe(1);
    expect((await svc.resolveTarget("C0ELSEWHERE", 2, member("U1"))).number).toBe(2);
    await expect(svc.resolveTarget("C0ELSEWHERE", null, member("U1"))).rejects.toThrow(/not an incident channel.*Open incidents: INC-1 \(Checkout failing/);
    await expect(svc.resolveTarget(null, 999, member("U1"))).rejects.toThrow(/There is no INC-999/);
  });
});
