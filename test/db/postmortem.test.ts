// The postmortem's input read from the database: action items, related incidents.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/clock.ts";
import { inTransaction } from "../../src/db/tx.ts";
import { IncidentService } from "../../src/incidents/service.ts";
import { postmortemVersionOf, recordPostmortem } from "../../src/incidents/store.ts";
import { addActionItem, peopleIn, postmortemInput, similarTitles } from "../../src/postmortem/service.ts";
import { freshDatabase, type TestDatabase } from "../support/db.ts";

let t: TestDatabase;
const clock = new ManualClock("2026-04-01T08:00:00Z");
let svc: IncidentService;
beforeAll(async () => {
  t = await freshDatabase();
  svc = new IncidentService({ db: t.db, clock });
  for (const [title, service] of [
    ["Checkout latency spike", "checkout"],
    ["Search index corrupted", null],
    ["Payments provider timeouts", null],
    ["Login page down", null],
  ] as const) {
    await t.db.service.upsert({ where: { name: "checkout" }, create: { name: "checkout", escalationPolicy: "none", updatedAt: clock.now() }, update: {} });
    await svc.declare({ title, severity: "SEV3", declaredById: "U0ALICE001", service });
    clock.advance(86_400_000);
  }
});
afterAll(async () => t.drop());

describe("postmortem input", () => {
  it("relates earlier incidents of the same service or with a similar title, never later ones", async () => {
    const { incident } = await svc.declare({ title: "Payments provider timeouts again", severity: "SEV2", declaredById: "U0BOB00002", service: "checkout" });
    clock.advance(86_400_000);
    await svc.declare({ title: "Payments provider timeouts, third time", severity: "SEV2", declaredById: "U0BOB00002" });
    const input = await postmortemInput(t.db, incident.id, clock.now());
    expect(input.relatedIncidents.map((r) => r.title).sort()).toEqual(["Checkout latency spike", "Payments provider timeouts"]);
  });

  it("lists action items in order with their owners and types, and names everyone involved", async () => {
    const { incident } = await svc.declare({ title: "Queue backlog", severity: "SEV3", declaredById: "U0CAROL003" });
    await addActionItem(t.db, clock, incident.id, { text: "Alert on queue depth", ownerId: "U0DAVE0004", type: "detect" }, "U0CAROL003");
    await addActionItem(t.db, clock, incident.id, { text: "Autoscale consumers", ownerId: null, type: "mitigate" }, "U0ERIN0005");
    const input = await postmortemInput(t.db, incident.id, clock.now());
    expect(input.actionItems.map((a) => [a.text, a.ownerId, a.type])).toEqual([
      ["Alert on queue depth", "U0DAVE0004", "detect"],
      ["Autoscale consumers", null, "mitigate"],
    ]);
    expect(input.timeline.filter((e) => e.data.kind === "action_item_added").length).toBe(2);
    expect(peopleIn(input).sort()).toEqual(["U0CAROL003", "U0DAVE0004", "U0ERIN0005"]);
    await expect(addActionItem(t.db, clock, incident.id, { text: "  ", ownerId: null, type: "detect" }, "U0CAROL003")).rejects.toThrow(/needs a text/);
  });

  it("calls titles similar when most of their words are shared", () => {
    expect(similarTitles("Checkout is failing", "checkout failing for EU users")).toBe(true);
    expect(similarTitles("Checkout is failing", "Search is slow")).toBe(false);
    expect(similarTitles("DB", "DB")).toBe(false); // too short to mean anything
  });
});

describe("the bot's last version of the postmortem document", () => {
  it("records a Confluence page version as given, and reads it back", async () => {
    const { incident } = await svc.declare({ title: "Wiki versions", severity: "SEV4", declaredById: "U0ALICE001" });
    expect(await postmortemVersionOf(t.db, incident.id)).toEqual({ hash: null, version: null });
    await inTransaction(t.db, (tx) => recordPostmortem(tx, incident.id, { location: "Confluence space ENG, page 1001", url: null, hash: null, version: 3 }, clock.now()));
    expect(await postmortemVersionOf(t.db, incident.id)).toEqual({ hash: null, version: 3 });
  });
});
