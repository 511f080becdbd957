// The postmortem's input read from the database (action items, related incidents), and what an
// export records: the bot's last version of the document, which keeps people's edits on re-export.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/clock.ts";
import { inTransaction } from "../../src/db/tx.ts";
import { IncidentService } from "../../src/incidents/service.ts";
import { incidentById, postmortemVersionOf, recordPostmortem, timelineOf } from "../../src/incidents/store.ts";
import { DEFAULT_TEMPLATE } from "../../src/postmortem/draft/index.ts";
import { createDirectoryExporter } from "../../src/postmortem/export/directory.ts";
import { addActionItem, exportPostmortem, peopleIn, postmortemInput, similarTitles } from "../../src/postmortem/service.ts";
import { member } from "../support/actors.ts";
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
    await svc.declare({ title, severity: "SEV3", service }, member("U0ALICE001"));
    clock.advance(86_400_000);
  }
});
afterAll(async () => t.drop());

describe("postmortem input", () => {
  it("relates earlier incidents of the same service or with a similar title, never later ones", async () => {
    const { incident } = await svc.declare({ title: "Payments provider timeouts again", severity: "SEV2", service: "checkout" }, member("U0BOB00002"));
    clock.advance(86_400_000);
    await svc.declare({ title: "Payments provider timeouts, third time", severity: "SEV2" }, member("U0BOB00002"));
    const input = await postmortemInput(t.db, incident.id, clock.now());
    expect(input.relatedIncidents.map((r) => r.title).sort()).toEqual(["Checkout latency spike", "Payments provider timeouts"]);
  });

  it("lists action items in order with their owners and types, and names everyone involved", async () => {
    const { incident } = await svc.declare({ title: "Queue backlog", severity: "SEV3" }, member("U0CAROL003"));
    await addActionItem(t.db, clock, incident.id, { text: "Alert on queue depth", ownerId: "U0DAVE0004", type: "detect" }, member("U0CAROL003"));
    await addActionItem(t.db, clock, incident.id, { text: "Autoscale consumers", ownerId: null, type: "mitigate" }, member("U0ERIN0005"));
    const input = await postmortemInput(t.db, incident.id, clock.now());
    expect(input.actionItems.map((a) => [a.text, a.ownerId, a.type])).toEqual([
      ["Alert on queue depth", "U0DAVE0004", "detect"],
      ["Autoscale consumers", null, "mitigate"],
    ]);
    expect(input.timeline.filter((e) => e.data.kind === "action_item_added").length).toBe(2);
    expect(peopleIn(input).sort()).toEqual(["U0CAROL003", "U0DAVE0004", "U0ERIN0005"]);
    await expect(addActionItem(t.db, clock, incident.id, { text: "  ", ownerId: null, type: "detect" }, member("U0CAROL003"))).rejects.toThrow(/needs a text/);
  });

  it("calls titles similar when most of their words are shared", () => {
    expect(similarTitles("Checkout is failing", "checkout failing for EU users")).toBe(true);
    expect(similarTitles("Checkout is failing", "Search is slow")).toBe(false);
    expect(similarTitles("DB", "DB")).toBe(false); // too short to mean anything
  });
});

describe("postmortem export and the bot's last version", () => {
  it("is stored per incident: a document as the bot left it is updated, one people edited is kept and the draft written next to it", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "pm-db-"));
    const opts = { exporter: createDirectoryExporter({ dir }), template: DEFAULT_TEMPLATE };
    const { incident } = await svc.declare({ title: "Cache stampede", severity: "SEV2" }, member("U0ALICE001"));
    const exportNow = async () => {
      clock.advance(60_000);
      const result = await exportPostmortem(t.db, incident.id, clock.now(), opts);
      await inTransaction(t.db, (tx) => result.record(tx, clock.now()));
      return result;
    };

    const first = await exportNow();
    expect(first.outcome).toBe("created");
    const file = path.join(dir, `INC-${incident.number}-cache-stampede.md`);
    expect(first.location).toBe(file);
    const stored = await postmortemVersionOf(t.db, incident.id);
    expect(stored).toEqual({ hash: expect.stringMatching(/^[0-9a-f]{64}$/), version: null });

    await addActionItem(t.db, clock, incident.id, { text: "Add request coalescing", ownerId: null, type: "prevent" }, member("U0ALICE001"));
    const second = await exportNow();
    expect(second.outcome).toBe("updated");
    expect(readFileSync(file, "utf8")).toContain("Add request coalescing");
    const afterUpdate = await postmortemVersionOf(t.db, incident.id);
    expect(afterUpdate.hash).not.toBe(stored.hash);

    const edited = `${readFileSync(file, "utf8")}\nWritten by the team.\n`;
    writeFileSync(file, edited);
    await addActionItem(t.db, clock, incident.id, { text: "Warm the cache on deploy", ownerId: null, type: "mitigate" }, member("U0ALICE001"));
    const third = await exportNow();
    expect(third).toMatchObject({ outcome: "kept-edits", location: file, regenerated: { location: file.replace(/\.md$/, ".regenerated.md"), url: null } });
    expect(readFileSync(file, "utf8")).toBe(edited);
    expect(readFileSync(file.replace(/\.md$/, ".regenerated.md"), "utf8")).toContain("Warm the cache on deploy");
    // The bot's last version is still the one people edited from; the incident points at their document.
    expect(await postmortemVersionOf(t.db, incident.id)).toEqual(afterUpdate);
    expect((await incidentById(t.db, incident.id))!.postmortemLocation).toBe(file);
    const exported = (await timelineOf(t.db, incident.id)).filter((e) => e.data.kind === "postmortem_exported");
    expect(exported.map((e) => (e.data.kind === "postmortem_exported" ? e.data.outcome : null))).toEqual(["created", "updated", "kept-edits"]);
    // Each is said in the channel (the text is views.ts's, tested end to end).
    const posts = await t.db.outboxMessage.findMany({ where: { idempotencyKey: { in: exported.map((e) => `incident:${incident.id}:post:${e.id}`) } } });
    expect(posts).toHaveLength(3);
  });

  it("records a Confluence page version as given, and reads it back", async () => {
    const { incident } = await svc.declare({ title: "Wiki versions", severity: "SEV4" }, member("U0ALICE001"));
    expect(await postmortemVersionOf(t.db, incident.id)).toEqual({ hash: null, version: null });
    await inTransaction(t.db, (tx) => recordPostmortem(tx, incident.id, { location: "Confluence space ENG, page 1001", url: null, hash: null, version: 3 }, clock.now()));
    expect(await postmortemVersionOf(t.db, incident.id)).toEqual({ hash: null, version: 3 });
  });
});
