// Rota files in the database: plan, apply (one transaction, idempotent), overrides from the file
// and from Slack, --prune, and the store's queries.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { parse as parseYaml, stringify as toYaml } from "yaml";
import { applyRota, formatPlan, planRota } from "../../src/oncall/apply.ts";
import type { CliIo } from "../../src/cli/args.ts";
import { rotaCommand } from "../../src/cli/rota.ts";
import { parseRotaFile, type Rota } from "../../src/oncall/rota-file.ts";
import { onCallAt } from "../../src/oncall/schedule.ts";
import {
  addOverride,
  listOverrides,
  listSchedules,
  loadPolicy,
  loadSchedule,
  loadService,
  removeOverride,
  storedWorkingHours,
} from "../../src/oncall/store.ts";
import { UserError } from "../../src/errors.ts";
import { freshDatabase, type TestDatabase } from "../support/db.ts";

const EXAMPLE_PATH = path.resolve(__dirname, "../../examples/rota.yaml");
const EXAMPLE = readFileSync(EXAMPLE_PATH, "utf8");

let t: TestDatabase;
beforeAll(async () => {
  t = await freshDatabase();
});
afterAll(async () => t.drop());
beforeEach(async () => {
  await t.db.scheduleOverride.deleteMany();
  await t.db.schedule.deleteMany();
  await t.db.escalationPolicy.deleteMany();
  await t.db.service.deleteMany();
  await t.db.integration.deleteMany();
});

function rotaOf(text: string): Rota {
  const r = parseRotaFile(text);
  if (!r.ok) throw new Error(r.errors.join("\n"));
  return r.rota;
}

/** The example file, changed by `edit` on its parsed form. */
function variant(edit: (doc: any) => void): Rota {
  const doc = parseYaml(EXAMPLE);
  edit(doc);
  return rotaOf(toYaml(doc));
}

const example = () => rotaOf(EXAMPLE);

async function counts() {
  return {
    schedules: await t.db.schedule.count(),
    overrides: await t.db.scheduleOverride.count(),
    policies: await t.db.escalationPolicy.count(),
    services: await t.db.service.count(),
  };
}

function captureIo(): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (s) => void stdout.push(s), err: (s) => void stderr.push(s) };
}

describe("rota apply", () => {
  it("creates every schedule, override, policy and service the file defines, as the file says", async () => {
    const rota = example();
    const plan = await applyRota(t.db, rota, { now: new Date("2026-02-01T00:00:00Z") });
    expect(plan.changes.map((c) => `${c.action} ${c.kind} ${c.name}`)).toEqual([
      "create schedule platform-primary",
      "create schedule platform-secondary",
      "create policy platform",
      "create service checkout",
      "create integration prometheus",
    ]);
    expect(formatPlan(plan)).toBe(
      [
        "+ schedule platform-primary: America/New_York, 2 layers, 1 override",
        "    + override U0ERIN0005 2026-03-07T23:00:00.000Z → 2026-03-08T16:00:00.000Z",
        "+ schedule platform-secondary: America/New_York, 2 layers, 0 overrides",
        "+ policy platform: 2 levels, repeat 2",
        "+ service checkout: escalation policy platform; SLO 99.9 % over 30d from SEV2",
        "+ integration prometheus: alertmanager → service checkout",
        "",
        "Plan: 5 to create, 0 to update, 0 to delete.",
      ].join("\n"),
    );
    expect(await counts()).toEqual({ schedules: 2, overrides: 1, policies: 1, services: 1 });
    // Read back, the stored schedules are the file's (layers as the Layer type, overrides as instants).
    for (const s of rota.schedules) expect(await loadSchedule(t.db, s.name)).toEqual(s);
    expect(await loadPolicy(t.db, "platform")).toEqual(rota.escalationPolicies[0]);
    expect(await loadService(t.db, "checkout")).toEqual({ name: "checkout", escalationPolicy: "platform", slo: { objective: 99.9, windowSeconds: 30 * 86_400, countsFrom: "SEV2" } });
    expect(await loadPolicy(t.db, "nope")).toBeNull();
    expect(await loadService(t.db, "nope")).toBeNull();
    expect(await loadSchedule(t.db, "nope")).toBeNull();
    expect((await listSchedules(t.db)).map((s) => [s.name, s.timezone, s.layers.length])).toEqual([
      ["platform-primary", "America/New_York", 2],
      ["platform-secondary", "America/New_York", 2],
    ]);
    const override = await t.db.scheduleOverride.findFirstOrThrow();
    expect(override).toMatchObject({ source: "file", userId: "U0ERIN0005", createdById: null });
    // The stored schedule computes what the file computes.
    const stored = (await loadSchedule(t.db, "platform-primary"))!;
    for (const at of ["2026-03-08T07:30:00Z", "2026-03-09T13:30:00Z", "2026-03-09T21:30:00Z"]) {
      expect(onCallAt(stored, new Date(at))).toEqual(onCallAt(rota.schedules[0], new Date(at)));
    }
  });

  it("plans a changed file: what changes, and nothing written", async () => {
    await applyRota(t.db, example());
    const before = await t.db.schedule.findMany({ orderBy: { id: "asc" } });
    const changed = variant((doc) => {
      const primary = doc.schedules["platform-primary"];
      primary.layers[0].members = ["U0BOB00002", "U0ALICE001", "U0CAROL003"];
      primary.overrides = [{ user: "U0DAVE0004", from: "2026-03-14T09:00:00-04:00", to: "2026-03-14T17:00:00-04:00" }];
      doc.schedules["platform-secondary"].timezone = "Europe/London";
      doc.escalation_policies.platform.repeat = 1;
      doc.escalation_policies.platform.levels[0].escalate_after = "3m";
      doc.services.payments = { escalation_policy: "platform" };
    });
    const plan = await planRota(t.db, changed);
    // (Whose shifts move is tested on its own, below.)
    expect(plan.shiftMoves.map((m) => m.schedule)).toEqual(["platform-primary", "platform-secondary"]);
    expect(formatPlan({ ...plan, shiftMoves: [] })).toBe(
      [
        '~ schedule platform-primary: layer "weekly": members changed; file overrides +1 -1',
        "    + override U0DAVE0004 2026-03-14T13:00:00.000Z → 2026-03-14T21:00:00.000Z",
        "    - override U0ERIN0005 2026-03-07T23:00:00.000Z → 2026-03-08T16:00:00.000Z",
        "~ schedule platform-secondary: timezone America/New_York → Europe/London",
        "~ policy platform: levels changed; repeat 2 → 1",
        "+ service payments: escalation policy platform",
        "",
        "Plan: 1 to create, 3 to update, 0 to delete.",
      ].join("\n"),
    );
    expect(plan.counts).toMatchObject({ create: 1, update: 3, unchanged: 2, delete: 0 });
    // planning wrote nothing
    expect(await t.db.schedule.findMany({ orderBy: { id: "asc" } })).toEqual(before);
    expect((await loadPolicy(t.db, "platform"))!.repeat).toBe(2);
    expect(await t.db.service.count()).toBe(1);

    // applying it makes exactly those changes
    await applyRota(t.db, changed);
    expect(await loadSchedule(t.db, "platform-primary")).toEqual(changed.schedules[0]);
    expect((await loadSchedule(t.db, "platform-secondary"))!.timezone).toBe("Europe/London");
    expect(await loadPolicy(t.db, "platform")).toEqual(changed.escalationPolicies[0]);
    expect(await loadService(t.db, "payments")).toEqual({ name: "payments", escalationPolicy: "platform" });
    expect(formatPlan(await planRota(t.db, changed))).toMatch(/^No changes\./);
  });

  it("applied twice, the second apply changes nothing and leaves updated_at alone", async () => {
    const rota = example();
    await applyRota(t.db, rota, { now: new Date("2026-02-01T00:00:00Z") });
    const rows = async () => ({
      schedules: await t.db.schedule.findMany({ orderBy: { id: "asc" } }),
      overrides: await t.db.scheduleOverride.findMany({ orderBy: { id: "asc" } }),
      policies: await t.db.escalationPolicy.findMany({ orderBy: { id: "asc" } }),
      services: await t.db.service.findMany({ orderBy: { id: "asc" } }),
    });
    const first = await rows();
    // the same file, parsed again (new objects), applied later
    const second = await applyRota(t.db, example(), { now: new Date("2026-02-02T00:00:00Z") });
    expect(second.hasChanges).toBe(false);
    expect(second.changes.every((c) => c.action === "unchanged")).toBe(true);
    expect(formatPlan(second, { applied: true })).toBe("No changes. (5 definitions up to date.)");
    expect(await rows()).toEqual(first);
    expect(first.schedules.every((s) => s.updatedAt.toISOString() === "2026-02-01T00:00:00.000Z")).toBe(true);

    // a change to one schedule moves only that schedule's updated_at
    const third = await applyRota(
      t.db,
      variant((doc) => (doc.schedules["platform-secondary"].layers[1].restrictions[0].to = "08:00")),
      { now: new Date("2026-02-03T00:00:00Z") },
    );
    expect(third.changes.filter((c) => c.action !== "unchanged").map((c) => [c.name, c.details])).toEqual([
      ["platform-secondary", ['layer "weeknight-cover": restrictions changed']],
    ]);
    const after = await rows();
    expect(after.schedules.map((s) => [s.name, s.updatedAt.toISOString()])).toEqual([
      ["platform-primary", "2026-02-01T00:00:00.000Z"],
      ["platform-secondary", "2026-02-03T00:00:00.000Z"],
    ]);
    expect(after.policies).toEqual(first.policies);
    expect(after.services).toEqual(first.services);
    expect(after.overrides).toEqual(first.overrides);
  });

  it("a schedule's channel is stored, and shown by the plan when it changes", async () => {
    await applyRota(t.db, example(), { now: new Date("2026-02-01T00:00:00Z") });
    const named = variant((doc) => (doc.schedules["platform-primary"].channel = "C0PLATFORM"));
    const plan = await applyRota(t.db, named, { now: new Date("2026-02-02T00:00:00Z") });
    expect(plan.changes.filter((c) => c.action !== "unchanged").map((c) => [c.name, c.details])).toEqual([["platform-primary", ["channel none → C0PLATFORM"]]]);
    expect((await t.db.schedule.findMany({ orderBy: { name: "asc" } })).map((s) => [s.name, s.channel])).toEqual([
      ["platform-primary", "C0PLATFORM"],
      ["platform-secondary", null],
    ]);
    expect((await applyRota(t.db, named)).hasChanges).toBe(false);
    expect((await applyRota(t.db, example())).changes.find((c) => c.name === "platform-primary")?.details).toEqual(["channel C0PLATFORM → none"]);
  });

  it("keeps overrides made from Slack; replaces the file's overrides with what the file now says", async () => {
    await applyRota(t.db, example());
    const slack = await t.db.$transaction((tx) =>
      addOverride(tx, {
        schedule: "platform-primary",
        userId: "U0BOB00002",
        start: new Date("2026-03-10T14:00:00Z"),
        end: new Date("2026-03-10T18:00:00Z"),
        createdById: "U0ALICE001",
      }),
    );
    const fileOverride = await t.db.scheduleOverride.findFirstOrThrow({ where: { source: "file" } });
    const changed = variant((doc) => {
      doc.schedules["platform-primary"].overrides = [
        { user: "U0ERIN0005", from: "2026-03-07T18:00:00-05:00", to: "2026-03-08T12:00:00-04:00" }, // unchanged
        { user: "U0CAROL003", from: "2026-03-20T09:00:00-04:00", to: "2026-03-20T17:00:00-04:00" }, // new
      ];
    });
    const plan = await applyRota(t.db, changed);
    expect(plan.changes.find((c) => c.name === "platform-primary")!.details).toEqual(["file overrides +1"]);
    const after = await listOverrides(t.db, "platform-primary", { from: new Date("2026-01-01T00:00:00Z") });
    expect(after.map((o) => [o.source, o.user, o.start.toISOString()])).toEqual([
      ["file", "U0ERIN0005", "2026-03-07T23:00:00.000Z"],
      ["slack", "U0BOB00002", "2026-03-10T14:00:00.000Z"],
      ["file", "U0CAROL003", "2026-03-20T13:00:00.000Z"],
    ]);
    // the unchanged file override kept its row, the Slack one is untouched
    expect(after[0].id).toBe(fileOverride.id);
    expect(after[1]).toMatchObject({ id: slack.id, createdById: "U0ALICE001" });

    // a file without overrides removes the file's, never Slack's
    await applyRota(t.db, variant((doc) => delete doc.schedules["platform-primary"].overrides));
    const left = await listOverrides(t.db, "platform-primary", { from: new Date("2026-01-01T00:00:00Z") });
    expect(left.map((o) => [o.id, o.source])).toEqual([[slack.id, "slack"]]);
    // and the Slack override still decides who is on call
    const schedule = (await loadSchedule(t.db, "platform-primary"))!;
    expect(onCallAt(schedule, new Date("2026-03-10T15:00:00Z"))).toEqual(["U0BOB00002"]);
  });

  it("keeps what the file no longer defines, and deletes it with --prune", async () => {
    await applyRota(t.db, example());
    await addOverride(t.db, {
      schedule: "platform-secondary",
      userId: "U0BOB00002",
      start: new Date("2026-03-10T14:00:00Z"),
      end: new Date("2026-03-10T18:00:00Z"),
      createdById: "U0ALICE001",
    });
    const smaller = variant((doc) => {
      delete doc.schedules["platform-secondary"];
      doc.escalation_policies.platform.levels[1].notify = ["user:U0ERIN0005"];
      delete doc.services.checkout;
      doc.services.payments = { escalation_policy: "platform" };
      doc.integrations.prometheus.service = "payments";
    });
    const kept = await applyRota(t.db, smaller);
    expect(formatPlan(kept, { applied: true })).toBe(
      [
        "! schedule platform-secondary: not in the file; kept (--prune deletes it)",
        "~ policy platform: levels changed",
        "+ service payments: escalation policy platform",
        "! service checkout: not in the file; kept (--prune deletes it)",
        "~ integration prometheus: alertmanager → service payments",
        "",
        "Applied: 1 created, 2 updated, 0 deleted.",
      ].join("\n"),
    );
    expect(await counts()).toEqual({ schedules: 2, overrides: 2, policies: 1, services: 2 });

    const pruned = await planRota(t.db, smaller, { prune: true });
    expect(pruned.shiftMoves.map((m) => m.schedule)).toEqual(["platform-secondary"]);
    expect(formatPlan({ ...pruned, shiftMoves: [] })).toBe(
      [
        "- schedule platform-secondary: not in the file; deleted with its 1 override (1 made from Slack)",
        "- service checkout: not in the file",
        "",
        "Plan: 0 to create, 0 to update, 2 to delete.",
      ].join("\n"),
    );
    await applyRota(t.db, smaller, { prune: true });
    expect(await counts()).toEqual({ schedules: 1, overrides: 1, policies: 1, services: 1 });
    expect(await loadSchedule(t.db, "platform-secondary")).toBeNull();
    expect(await loadService(t.db, "checkout")).toBeNull();
    expect(formatPlan(await planRota(t.db, smaller, { prune: true }))).toBe("No changes. (4 definitions up to date.)");
  });

  it("an invalid file: every error, by its path in the file, and nothing written", async () => {
    await applyRota(t.db, example());
    const before = await counts();
    const doc = parseYaml(EXAMPLE);
    doc.schedules["platform-primary"].layers[0].rotation.every = "weekly";
    doc.schedules["platform-primary"].layers[1].members = [];
    doc.schedules["platform-secondary"].timezone = "America/New_Yrok";
    doc.schedules["platform-secondary"].layers[0].members[1] = "alice";
    doc.escalation_policies.platform.levels[0].notify = ["schedule:platform-tertiary"];
    doc.services.checkout.escalation_policy = "platfrom";
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), "rota-")), "bad.yaml");
    writeFileSync(file, toYaml(doc));
    const prevUrl = process.env.DATABASE_URL;
    process.env.DATABASE_URL = t.url;
    try {
      for (const sub of ["plan", "apply"]) {
        const io = captureIo();
        expect(await rotaCommand([sub, file], io)).toBe(1);
        expect(io.stdout).toEqual([]);
        expect(io.stderr).toEqual([
          `${file} is not a valid rota file (6 errors):`,
          "  schedules.platform-primary.layers[0].rotation.every: expected a duration like 1w",
          "  schedules.platform-primary.layers[1].members: must not be empty",
          '  schedules.platform-secondary.timezone: unknown time zone "America/New_Yrok"',
          '  schedules.platform-secondary.layers[0].members[1]: "alice" is not a Slack user id (U or W followed by uppercase letters and digits)',
          '  escalation_policies.platform.levels[0].notify[0]: schedule "platform-tertiary" is not defined',
          '  services.checkout.escalation_policy: escalation policy "platfrom" is not defined',
        ]);
      }
      // usage errors are not file errors
      const io = captureIo();
      expect(await rotaCommand(["deploy", file], io)).toBe(2);
      expect(io.stderr.join("\n")).toContain("Usage: incident-bot rota plan <file>");
      // the valid file, through the same command, applies
      const ok = captureIo();
      expect(await rotaCommand(["apply", EXAMPLE_PATH], ok)).toBe(0);
      expect(ok.stdout.join("\n")).toMatch(/^No changes\./);
    } finally {
      if (prevUrl === undefined) delete process.env.DATABASE_URL;
      else process.env.DATABASE_URL = prevUrl;
    }
    expect(await counts()).toEqual(before);

    // A Rota built by code that references what it does not define is refused before any write.
    const broken = example();
    broken.services.push({ name: "search", escalationPolicy: "missing" });
    broken.schedules.push({ ...broken.schedules[0], name: "another" });
    await expect(applyRota(t.db, broken)).rejects.toThrow(/service "search": escalation policy "missing" is not defined/);
    expect(await counts()).toEqual(before);
  });

  it("a failure in the middle of an apply leaves nothing half-done", async () => {
    const rota = example();
    // a layer the database cannot store (a lone surrogate is not valid in jsonb text) after a
    // schedule that can be: the whole transaction rolls back
    rota.schedules[1].layers[0].name = "\ud800";
    await expect(applyRota(t.db, rota)).rejects.toThrow(/invalid input syntax for type json/);
    expect(await counts()).toEqual({ schedules: 0, overrides: 0, policies: 0, services: 0 });
  });

  it("two applies at once never interleave: one creates, the other finds nothing to do", async () => {
    const other = t.connect();
    const results = await Promise.all([applyRota(t.db, example()), applyRota(other, example()), applyRota(t.connect(), example())]);
    expect(results.filter((p) => p.hasChanges).length).toBe(1);
    expect(results.filter((p) => !p.hasChanges).length).toBe(2);
    expect(await counts()).toEqual({ schedules: 2, overrides: 1, policies: 1, services: 1 });
  });
});

describe("the store", () => {
  const at = (iso: string) => new Date(iso);

  it("loadSchedule with a window loads only the overrides overlapping it", async () => {
    await applyRota(t.db, variant((doc) => delete doc.schedules["platform-primary"].overrides));
    const mk = (start: string, end: string, userId = "U0BOB00002") =>
      addOverride(t.db, { schedule: "platform-primary", userId, start: at(start), end: at(end), createdById: "U0ALICE001" });
    await mk("2026-04-01T08:00:00Z", "2026-04-01T10:00:00Z"); // ends as the window starts: out
    await mk("2026-04-01T09:00:00Z", "2026-04-01T10:30:00Z", "U0CAROL003"); // overlaps the start: in
    await mk("2026-04-01T10:15:00Z", "2026-04-01T11:00:00Z", "U0DAVE0004"); // inside: in
    await mk("2026-04-01T11:30:00Z", "2026-04-01T13:00:00Z", "U0ERIN0005"); // overlaps the end: in
    await mk("2026-04-01T12:00:00Z", "2026-04-01T13:00:00Z"); // starts as the window ends: out
    await mk("2026-03-01T00:00:00Z", "2026-05-01T00:00:00Z", "U0ALICE001"); // spans it: in
    // 1,000 more far from the window
    const scheduleId = (await t.db.schedule.findUniqueOrThrow({ where: { name: "platform-primary" } })).id;
    await t.db.scheduleOverride.createMany({
      data: Array.from({ length: 1000 }, (_, i) => ({
        scheduleId,
        userId: "U0BOB00002",
        startAt: new Date(Date.UTC(2027, 0, 1) + i * 3_600_000),
        endAt: new Date(Date.UTC(2027, 0, 1) + i * 3_600_000 + 1_800_000),
        source: "slack",
        createdAt: new Date(),
      })),
    });
    const windowed = (await loadSchedule(t.db, "platform-primary", { from: at("2026-04-01T10:00:00Z"), to: at("2026-04-01T12:00:00Z") }))!;
    expect(windowed.overrides.map((o) => [o.user, o.start.toISOString(), o.end.toISOString()])).toEqual([
      ["U0ALICE001", "2026-03-01T00:00:00.000Z", "2026-05-01T00:00:00.000Z"],
      ["U0CAROL003", "2026-04-01T09:00:00.000Z", "2026-04-01T10:30:00.000Z"],
      ["U0DAVE0004", "2026-04-01T10:15:00.000Z", "2026-04-01T11:00:00.000Z"],
      ["U0ERIN0005", "2026-04-01T11:30:00.000Z", "2026-04-01T13:00:00.000Z"],
    ]);
    const all = (await loadSchedule(t.db, "platform-primary"))!;
    expect(all.overrides.length).toBe(1006);
    // inside the window, the windowed schedule answers as the whole one does
    for (let ms = at("2026-04-01T10:00:00Z").getTime(); ms < at("2026-04-01T12:00:00Z").getTime(); ms += 5 * 60_000) {
      expect(onCallAt(windowed, new Date(ms))).toEqual(onCallAt(all, new Date(ms)));
    }
    expect(onCallAt(windowed, at("2026-04-01T10:20:00Z"))).toEqual(["U0ALICE001", "U0CAROL003", "U0DAVE0004"]);
    // the query can use the (schedule_id, end_at) index
    await t.db.$executeRawUnsafe("SET enable_seqscan = off");
    const explain = await t.db.$queryRawUnsafe<Array<{ "QUERY PLAN": string }>>(
      `EXPLAIN SELECT * FROM schedule_override WHERE schedule_id = ${scheduleId} AND end_at > now() AND start_at < now()`,
    );
    await t.db.$executeRawUnsafe("RESET enable_seqscan");
    expect(explain.map((r) => r["QUERY PLAN"]).join("\n")).toContain("schedule_override_schedule_id_end_at_idx");
  });

  it("addOverride refuses bad input with a clear message and writes nothing", async () => {
    await applyRota(t.db, example());
    const base = { schedule: "platform-primary", userId: "U0BOB00002", start: at("2026-04-01T10:00:00Z"), end: at("2026-04-01T12:00:00Z"), createdById: "U0ALICE001" };
    const before = await t.db.scheduleOverride.count();
    await expect(addOverride(t.db, { ...base, end: base.start })).rejects.toThrow(UserError);
    await expect(addOverride(t.db, { ...base, end: base.start })).rejects.toThrow(/must end after it starts/);
    await expect(addOverride(t.db, { ...base, end: at("2026-04-01T09:00:00Z") })).rejects.toThrow(/must end after it starts/);
    await expect(addOverride(t.db, { ...base, schedule: "nope" })).rejects.toThrow("There is no schedule `nope`. Schedules: platform-primary, platform-secondary.");
    await expect(addOverride(t.db, { ...base, userId: "bob" })).rejects.toThrow(/"bob" is not a Slack user id/);
    await expect(addOverride(t.db, { ...base, start: new Date(NaN) })).rejects.toThrow(UserError);
    expect(await t.db.scheduleOverride.count()).toBe(before);

    const { id } = await addOverride(t.db, { ...base, createdAt: at("2026-03-31T00:00:00Z") });
    const row = await t.db.scheduleOverride.findUniqueOrThrow({ where: { id } });
    expect(row).toMatchObject({ source: "slack", userId: "U0BOB00002", createdById: "U0ALICE001", createdAt: at("2026-03-31T00:00:00Z") });
    expect(onCallAt((await loadSchedule(t.db, "platform-primary"))!, at("2026-04-01T11:00:00Z"))).toEqual(["U0BOB00002"]);

    // listOverrides: not yet ended at `from`, both sources
    expect((await listOverrides(t.db, "platform-primary", { from: at("2026-03-01T00:00:00Z") })).map((o) => o.source)).toEqual(["file", "slack"]);
    expect((await listOverrides(t.db, "platform-primary", { from: at("2026-04-01T12:00:00Z") })).length).toBe(0);
    await expect(listOverrides(t.db, "nope", { from: at("2026-03-01T00:00:00Z") })).rejects.toThrow(/There is no schedule `nope`/);

    // removeOverride: Slack ones only
    const fileId = (await t.db.scheduleOverride.findFirstOrThrow({ where: { source: "file" } })).id;
    await expect(removeOverride(t.db, fileId)).rejects.toThrow(/comes from the rota file/);
    const removed = await removeOverride(t.db, id);
    expect(removed).toMatchObject({ id, schedule: "platform-primary", user: "U0BOB00002", source: "slack" });
    await expect(removeOverride(t.db, id)).rejects.toThrow(`There is no override ${id}.`);
    expect(await t.db.scheduleOverride.count()).toBe(before);
  });

  it("working_hours: planned, applied once, kept when a later file has none", async () => {
    await t.db.rotaSettings.deleteMany();
    expect(await storedWorkingHours(t.db)).toBeNull();
    const withHours = variant((doc) => (doc.working_hours = { days: ["mon", "tue", "wed", "thu"], from: "08:00", to: "16:30" }));
    expect(formatPlan(await planRota(t.db, withHours))).toContain("+ settings working_hours: mon,tue,wed,thu 08:00–16:30");
    await applyRota(t.db, withHours);
    expect(await storedWorkingHours(t.db)).toEqual({ days: ["mon", "tue", "wed", "thu"], from: "08:00", to: "16:30" });
    expect((await planRota(t.db, withHours)).hasChanges).toBe(false);
    const later = variant((doc) => (doc.working_hours = { to: "17:00" }));
    expect(formatPlan(await planRota(t.db, later))).toContain("~ settings working_hours: mon,tue,wed,thu 08:00–16:30 → mon,tue,wed,thu,fri 09:00–17:00");
    await applyRota(t.db, example()); // no working_hours: what is stored is kept
    expect((await storedWorkingHours(t.db))?.to).toBe("16:30");
    await t.db.rotaSettings.deleteMany();
  });
});
