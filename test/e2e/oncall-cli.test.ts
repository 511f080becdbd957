// The real commands, as a user runs them: `incident-bot oncall ...` and `incident-bot rota ...`
// in their own process. The expected on-call sets are worked out by hand from
// examples/rota.yaml and TIME.md (America/New_York; spring forward 2026-03-08 07:00Z, fall back
// 2026-11-01 06:00Z):
//   weekly (Alice, Bob, Carol): shift k from Monday 09:00 local, k weeks after 2026-01-05;
//     k = 8 (Carol) runs 2026-03-02T14:00Z → 2026-03-09T13:00Z (09:00 EST → 09:00 EDT),
//     k = 9 Alice; k = 42 Alice (until 2026-11-02T14:00Z, 09:00 EST), k = 43 Bob;
//   business-hours-cover (Dave, Erin): same weeks, k mod 2, only Mon–Fri 09:00–17:00 local:
//     k = 9 and k = 43 are Erin's;
//   override: Erin 2026-03-07T23:00Z → 2026-03-08T16:00Z.
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDatabase, type TestDatabase } from "../support/db.ts";
import { runCli } from "../support/process.ts";

const ROOT = path.resolve(__dirname, "../..");
const EXAMPLE = path.join(ROOT, "examples/rota.yaml");

const ALICE = "U0ALICE001";
const BOB = "U0BOB00002";
const CAROL = "U0CAROL003";
const ERIN = "U0ERIN0005";

let cwd: string;
let t: TestDatabase;

const run = (args: string[], env: Record<string, string> = {}) => runCli(args, env, cwd);

/** With a database that does not exist: a command that touches it would fail. */
const NO_DATABASE = { DATABASE_URL: "postgresql://nobody:nothing@127.0.0.1:1/none" };

beforeAll(async () => {
  cwd = mkdtempSync(path.join(os.tmpdir(), "oncall-cli-"));
  t = await freshDatabase();
});
afterAll(async () => t?.drop());

describe.concurrent("incident-bot oncall --file (no database)", () => {
  const cases: Array<[string, string[]]> = [
    ["2026-03-08T06:59:59Z", [ERIN]], // the override, just before the clocks jump
    ["2026-03-08T07:00:01Z", [ERIN]], // just after (03:00:01 EDT), still the override
    ["2026-03-08T16:00:00Z", [CAROL]], // the override ended (12:00 EDT); Sunday: the weekly layer
    ["2026-03-09T12:59:59Z", [CAROL]], // 08:59:59 EDT: Carol's week, not yet business hours
    ["2026-03-09T13:00:00Z", [ERIN]], // 09:00 EDT: Alice's week starts and Erin covers business hours
    ["2026-03-09T13:30:00Z", [ERIN]], // 09:30 EDT (08:30 if the EST offset were frozen)
    ["2026-03-09T21:30:00Z", [ALICE]], // 17:30 EDT: after business hours (16:30 with a frozen offset)
    ["2026-11-02T13:30:00Z", [ALICE]], // 08:30 EST, the first Monday after falling back: week 42 still
    ["2026-11-02T14:00:00Z", [ERIN]], // 09:00 EST: business hours of week 43
    ["2026-01-05T13:59:59Z", []], // before the first handoff nobody is on call
  ];

  it.each(cases)("at %s", async (at, onCall) => {
    const r = await run(["oncall", "platform-primary", "--file", EXAMPLE, "--at", at, "--json"], NO_DATABASE);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ schedule: "platform-primary", at: new Date(at).toISOString(), onCall });
  });

  it("--at with an offset means the same instant", async () => {
    const r = await run(["oncall", "platform-primary", "--file", EXAMPLE, "--at", "2026-03-09T17:30:00-04:00", "--json"], NO_DATABASE);
    expect(r.stdout.trim()).toBe(JSON.stringify({ schedule: "platform-primary", at: "2026-03-09T21:30:00.000Z", onCall: [ALICE] }));
  });

  it("--from/--to: the final schedule as consecutive segments", async () => {
    const r = await run(
      ["oncall", "platform-primary", "--file", EXAMPLE, "--from", "2026-03-07T00:00:00Z", "--to", "2026-03-10T00:00:00Z", "--json"],
      NO_DATABASE,
    );
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      schedule: "platform-primary",
      segments: [
        { start: "2026-03-07T00:00:00.000Z", end: "2026-03-07T23:00:00.000Z", onCall: [CAROL] },
        { start: "2026-03-07T23:00:00.000Z", end: "2026-03-08T16:00:00.000Z", onCall: [ERIN] },
        { start: "2026-03-08T16:00:00.000Z", end: "2026-03-09T13:00:00.000Z", onCall: [CAROL] },
        { start: "2026-03-09T13:00:00.000Z", end: "2026-03-09T21:00:00.000Z", onCall: [ERIN] },
        { start: "2026-03-09T21:00:00.000Z", end: "2026-03-10T00:00:00.000Z", onCall: [ALICE] },
      ],
    });
  });

  it("prints, for people, the zone, the instant in UTC and local time, who is on call and until when", async () => {
    const r = await run(["oncall", "platform-primary", "--file", EXAMPLE, "--at", "2026-03-09T13:30:00Z"], NO_DATABASE);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        "Schedule platform-primary (America/New_York)",
        "At 2026-03-09T13:30:00.000Z (Mon 2026-03-09 09:30:00 -04:00 in America/New_York)",
        `On call: ${ERIN}`,
        `Until 2026-03-09T21:00:00.000Z (Mon 2026-03-09 17:00:00 -04:00), then ${ALICE}.`,
        "",
      ].join("\n"),
    );
    const nobody = await run(["oncall", "platform-primary", "--file", EXAMPLE, "--at", "2026-01-01T00:00:00Z"], NO_DATABASE);
    expect(nobody.stdout).toContain("Nobody is on call.");
    expect(nobody.stdout).toContain("Until 2026-01-05T14:00:00.000Z (Mon 2026-01-05 09:00:00 -05:00), then U0DAVE0004.");
  });

  it("refuses an invalid instant as a usage error, with an example", async () => {
    const r = await run(["oncall", "platform-primary", "--file", EXAMPLE, "--at", "yesterday"], NO_DATABASE);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain('--at: "yesterday" is not an instant');
    expect(r.stderr).toContain("e.g. 2026-03-09T13:30:00Z");
    const noOffset = await run(["oncall", "platform-primary", "--file", EXAMPLE, "--at", "2026-03-09T09:30"], NO_DATABASE);
    expect(noOffset.code).toBe(2);
    const backwards = await run(["oncall", "platform-primary", "--file", EXAMPLE, "--from", "2026-03-10T00:00:00Z", "--to", "2026-03-09T00:00:00Z"], NO_DATABASE);
    expect(backwards.code).toBe(2);
    expect(backwards.stderr).toContain("--to must be after --from");
  });

  it("an unknown schedule exits 1 and names the schedules there are", async () => {
    const r = await run(["oncall", "platform-tertiary", "--file", EXAMPLE, "--json"], NO_DATABASE);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("There is no schedule `platform-tertiary` in");
    expect(r.stderr).toContain("Schedules: platform-primary, platform-secondary.");
  });
});

describe("incident-bot rota and oncall with the database", () => {
  it("rota plan on an invalid file exits 1 and prints every error with its path", async () => {
    const bad = path.join(cwd, "bad-rota.yaml");
    writeFileSync(
      bad,
      `schedules:
  platform-primary:
    timezone: America/New_Yrok
    layers:
      - name: weekly
        members: []
        rotation: { every: weekly, start: "2026-01-05T09:00" }
      - members: [alice]
        rotation: { every: 1w, start: "2026-01-05T09:00" }
escalation_policies:
  platform:
    levels:
      - { notify: ["schedule:platform-secondary"], escalate_after: 5m }
services:
  checkout: { escalation_policy: platfrom }
`,
    );
    for (const sub of ["plan", "apply"]) {
      const r = await run(["rota", sub, bad], { DATABASE_URL: t.url });
      expect(r.code).toBe(1);
      expect(r.stdout).toBe("");
      const lines = r.stderr.trim().split("\n");
      expect(lines).toEqual([
        `${bad} is not a valid rota file (6 errors):`,
        '  schedules.platform-primary.timezone: unknown time zone "America/New_Yrok"',
        "  schedules.platform-primary.layers[0].members: must not be empty",
        "  schedules.platform-primary.layers[0].rotation.every: expected a duration like 1w",
        '  schedules.platform-primary.layers[1].members[0]: "alice" is not a Slack user id (U or W followed by uppercase letters and digits)',
        '  escalation_policies.platform.levels[0].notify[0]: schedule "platform-secondary" is not defined',
        '  services.checkout.escalation_policy: escalation policy "platfrom" is not defined',
      ]);
    }
    expect(await t.db.schedule.count()).toBe(0);
    expect(await t.db.escalationPolicy.count()).toBe(0);
    expect(await t.db.service.count()).toBe(0);
  });

  it("rota apply, then rota plan says No changes.; oncall reads the database", async () => {
    const env = { DATABASE_URL: t.url };
    const before = await run(["rota", "plan", EXAMPLE], env);
    expect(before.code).toBe(0);
    expect(before.stdout).toContain("+ schedule platform-primary: America/New_York, 2 layers, 1 override");
    expect(before.stdout).toContain("Plan: 5 to create, 0 to update, 0 to delete.");
    expect(await t.db.schedule.count()).toBe(0); // plan wrote nothing

    const applied = await run(["rota", "apply", EXAMPLE], env);
    expect(applied.stderr).toBe("");
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain("Applied: 5 created, 0 updated, 0 deleted.");

    const again = await run(["rota", "plan", EXAMPLE], env);
    expect(again.code).toBe(0);
    expect(again.stdout.trim()).toBe("No changes. (5 definitions up to date.)");
    const reapplied = await run(["rota", "apply", EXAMPLE], env);
    expect(reapplied.stdout.trim()).toBe("No changes. (5 definitions up to date.)");

    // from the database, the same answers as from the file
    await Promise.all(
      ["2026-03-08T07:00:01Z", "2026-03-09T13:30:00Z", "2026-03-09T21:30:00Z", "2026-11-02T13:30:00Z"].map(async (at) => {
        const [fromDb, fromFile] = await Promise.all([
          run(["oncall", "platform-primary", "--at", at, "--json"], env),
          run(["oncall", "platform-primary", "--file", EXAMPLE, "--at", at, "--json"], NO_DATABASE),
        ]);
        expect(fromDb.code).toBe(0);
        expect(fromDb.stdout).not.toBe("");
        expect(fromDb.stdout).toBe(fromFile.stdout);
      }),
    );
    // an override made from Slack shows from the database (and not in the file)
    const scheduleId = (await t.db.schedule.findUniqueOrThrow({ where: { name: "platform-primary" } })).id;
    await t.db.scheduleOverride.create({
      data: { scheduleId, userId: BOB, startAt: new Date("2026-03-09T20:00:00Z"), endAt: new Date("2026-03-09T23:00:00Z"), source: "slack", createdById: ALICE, createdAt: new Date() },
    });
    const human = await run(["oncall", "platform-primary", "--at", "2026-03-09T13:30:00Z"], env);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain(`On call: ${ERIN}`);
    expect(human.stdout).toContain(`Until 2026-03-09T20:00:00.000Z (Mon 2026-03-09 16:00:00 -04:00), then ${BOB}.`);
    const segs = await run(["oncall", "platform-primary", "--from", "2026-03-09T12:00:00Z", "--to", "2026-03-10T00:00:00Z", "--json"], env);
    expect(JSON.parse(segs.stdout)).toEqual({
      schedule: "platform-primary",
      segments: [
        { start: "2026-03-09T12:00:00.000Z", end: "2026-03-09T13:00:00.000Z", onCall: [CAROL] },
        { start: "2026-03-09T13:00:00.000Z", end: "2026-03-09T20:00:00.000Z", onCall: [ERIN] },
        { start: "2026-03-09T20:00:00.000Z", end: "2026-03-09T23:00:00.000Z", onCall: [BOB] },
        { start: "2026-03-09T23:00:00.000Z", end: "2026-03-10T00:00:00.000Z", onCall: [ALICE] },
      ],
    });
    // the Slack override survives another apply
    const third = await run(["rota", "apply", EXAMPLE], env);
    expect(third.stdout.trim()).toBe("No changes. (5 definitions up to date.)");
    expect(await t.db.scheduleOverride.count({ where: { source: "slack" } })).toBe(1);

    const unknown = await run(["oncall", "platform-tertiary"], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("There is no schedule `platform-tertiary`. Schedules: platform-primary, platform-secondary.");
  }, 120_000);
});
