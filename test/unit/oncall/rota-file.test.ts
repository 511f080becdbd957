import { describe, expect, it } from "vitest";
import { parse as parseYaml, stringify as toYaml } from "yaml";
import { parseDuration, parseEvery, parseRotaFile, type Rota } from "../../../src/oncall/rota-file.ts";
import { onCallAt } from "../../../src/oncall/schedule.ts";
import { wantedMembers } from "../../../src/oncall/user-groups.ts";

const VALID = `schedules:
  platform-primary:
    timezone: America/New_York
    layers:                                   # later layers beat earlier ones
      - name: weekly
        members: [U01AAAA, U01BBBB, U01CCCC]  # Slack user ids, in rotation order
        rotation: { every: 1w, start: "2026-01-05T09:00" }   # local wall-clock first handoff
      - name: business-hours-cover
        members: [U01DDDD]
        rotation: { every: 1d, start: "2026-01-05T09:00" }
        restrictions:                          # optional; evaluated in the schedule's zone
          - { days: [mon, tue, wed, thu, fri], from: "09:00", to: "17:00" }
    overrides:                                 # optional; instants with offsets, [from, to)
      - { user: U01EEEE, from: "2026-03-07T18:00:00-05:00", to: "2026-03-09T09:00:00-04:00" }
  platform-secondary:
    timezone: Europe/London
    layers:
      - name: daily
        members: [W01GGGG, U01HHHH]
        rotation: { every: 1d, start: "2026-01-05T09:00:30" }
escalation_policies:
  platform:
    levels:
      - { notify: ["schedule:platform-primary"], escalate_after: 5m }
      - { notify: ["user:U01FFFF", "schedule:platform-secondary"], escalate_after: 10m }
    repeat: 2            # after the last level, start again from the first, this many times
services:
  checkout: { escalation_policy: platform }
`;

function mustParse(text: string): Rota {
  const r = parseRotaFile(text);
  if (!r.ok) throw new Error(r.errors.join("\n"));
  return r.rota;
}

/** The valid file, changed by `edit` on its parsed form, back to YAML. */
function variant(edit: (doc: any) => void): string {
  const doc = parseYaml(VALID);
  edit(doc);
  return toYaml(doc);
}

function errorsOf(text: string): string[] {
  const r = parseRotaFile(text);
  expect(r.ok).toBe(false);
  return r.ok ? [] : r.errors;
}

describe("a valid rota file", () => {
  it("parses into schedules, escalation policies and services", () => {
    const rota = mustParse(VALID);
    expect(rota.schedules.map((s) => s.name)).toEqual(["platform-primary", "platform-secondary"]);
    const primary = rota.schedules[0];
    expect(primary.timezone).toBe("America/New_York");
    expect(primary.layers).toEqual([
      {
        name: "weekly",
        members: ["U01AAAA", "U01BBBB", "U01CCCC"],
        rotation: { every: { amount: 1, unit: "w" }, start: { year: 2026, month: 1, day: 5, hour: 9, minute: 0, second: 0 } },
      },
      {
        name: "business-hours-cover",
        members: ["U01DDDD"],
        rotation: { every: { amount: 1, unit: "d" }, start: { year: 2026, month: 1, day: 5, hour: 9, minute: 0, second: 0 } },
        restrictions: [{ days: ["mon", "tue", "wed", "thu", "fri"], from: "09:00", to: "17:00" }],
      },
    ]);
    expect(primary.overrides).toEqual([
      { user: "U01EEEE", start: new Date("2026-03-07T23:00:00Z"), end: new Date("2026-03-09T13:00:00Z") },
    ]);
    expect(rota.schedules[1].layers[0].rotation.start.second).toBe(30);
    expect(rota.schedules[1].overrides).toEqual([]);
    expect(rota.escalationPolicies).toEqual([
      {
        name: "platform",
        levels: [
          { notify: [{ kind: "schedule", name: "platform-primary" }], escalateAfterSeconds: 300 },
          { notify: [{ kind: "user", userId: "U01FFFF" }, { kind: "schedule", name: "platform-secondary" }], escalateAfterSeconds: 600 },
        ],
        repeat: 2,
      },
    ]);
    expect(rota.services).toEqual([{ name: "checkout", escalationPolicy: "platform" }]);
  });

  it("drives the schedule computation", () => {
    const primary = mustParse(VALID).schedules[0];
    expect(onCallAt(primary, new Date("2026-03-08T12:00:00Z"))).toEqual(["U01EEEE"]); // override
    expect(onCallAt(primary, new Date("2026-03-09T13:00:00Z"))).toEqual(["U01DDDD"]); // Mon 09:00 EDT, cover
    expect(onCallAt(primary, new Date("2026-03-10T02:00:00Z"))).toEqual(["U01AAAA"]); // week 9 -> 9 mod 3 = 0
  });

  it("accepts the same file as JSON", () => {
    const json = JSON.stringify(parseYaml(VALID), null, 2);
    expect(mustParse(json)).toEqual(mustParse(VALID));
  });

  it("treats optional parts as optional (no overrides, restrictions, policies or services; repeat 0)", () => {
    const rota = mustParse(`schedules:\n  s:\n    timezone: Asia/Kolkata\n    layers:\n      - members: [U1]\n        rotation: { every: 12h, start: "2026-01-01T08:00" }\nescalation_policies:\n  p:\n    levels:\n      - { notify: ["user:W2"], escalate_after: 30s }\n`);
    expect(rota.schedules[0].layers[0].name).toBe("layer-1");
    expect(rota.schedules[0].layers[0].restrictions).toBeUndefined();
    expect(rota.escalationPolicies[0].repeat).toBe(0);
    expect(rota.escalationPolicies[0].levels[0].escalateAfterSeconds).toBe(30);
    expect(rota.services).toEqual([]);
  });
});

describe("invalid rota files: each error with its path", () => {
  const P = "schedules.platform-primary";
  const cases: Array<[string, (doc: any) => void, string]> = [
    ["bad rotation length", (d) => (d.schedules["platform-primary"].layers[0].rotation.every = "1 week"), `${P}.layers[0].rotation.every: expected a duration like 1w`],
    ["zero rotation length", (d) => (d.schedules["platform-primary"].layers[0].rotation.every = "0d"), `${P}.layers[0].rotation.every: expected a duration like 1w`],
    ["minutes are not a rotation length", (d) => (d.schedules["platform-primary"].layers[1].rotation.every = "30m"), `${P}.layers[1].rotation.every: expected a duration like 1w`],
    ["unknown time zone", (d) => (d.schedules["platform-primary"].timezone = "Mars/Base"), `${P}.timezone: unknown time zone "Mars/Base"`],
    ["an offset is not a time zone", (d) => (d.schedules["platform-primary"].timezone = "-05:00"), `${P}.timezone: unknown time zone "-05:00"`],
    ["time zone of the wrong type", (d) => (d.schedules["platform-primary"].timezone = 5), `${P}.timezone: expected a time zone name like America/New_York`],
    ["missing time zone", (d) => delete d.schedules["platform-primary"].timezone, `${P}.timezone: is required`],
    ["empty member list", (d) => (d.schedules["platform-primary"].layers[1].members = []), `${P}.layers[1].members: must not be empty`],
    ["members not a list", (d) => (d.schedules["platform-primary"].layers[1].members = "U01DDDD"), `${P}.layers[1].members: expected a list of Slack user ids`],
    ["not a Slack user id", (d) => (d.schedules["platform-primary"].layers[0].members[1] = "bob"), `${P}.layers[0].members[1]: "bob" is not a Slack user id (U or W followed by uppercase letters and digits)`],
    ["lower-case user id", (d) => (d.schedules["platform-primary"].layers[0].members[2] = "u01cccc"), `${P}.layers[0].members[2]: "u01cccc" is not a Slack user id (U or W followed by uppercase letters and digits)`],
    ["local start with an offset", (d) => (d.schedules["platform-primary"].layers[0].rotation.start = "2026-01-05T09:00-05:00"), `${P}.layers[0].rotation.start: expected a local date and time like 2026-01-05T09:00 (no offset: it is read in the schedule's time zone)`],
    ["local start without a time", (d) => (d.schedules["platform-primary"].layers[0].rotation.start = "2026-01-05"), `${P}.layers[0].rotation.start: expected a local date and time like 2026-01-05T09:00 (no offset: it is read in the schedule's time zone)`],
    ["local start not a real date", (d) => (d.schedules["platform-primary"].layers[0].rotation.start = "2026-02-30T09:00"), `${P}.layers[0].rotation.start: "2026-02-30T09:00" is not a real date and time`],
    ["local start hour 24", (d) => (d.schedules["platform-primary"].layers[0].rotation.start = "2026-01-05T24:00"), `${P}.layers[0].rotation.start: "2026-01-05T24:00" is not a real date and time`],
    ["override without an offset", (d) => (d.schedules["platform-primary"].overrides[0].from = "2026-03-07T18:00:00"), `${P}.overrides[0].from: expected an instant with its offset like 2026-03-07T18:00:00-05:00 (or Z)`],
    ["override not a date", (d) => (d.schedules["platform-primary"].overrides[0].to = "soon"), `${P}.overrides[0].to: expected an instant with its offset like 2026-03-07T18:00:00-05:00 (or Z)`],
    ["override to before from", (d) => (d.schedules["platform-primary"].overrides[0].to = "2026-03-07T17:00:00-05:00"), `${P}.overrides[0].to: must be after from`],
    ["override to equal to from (other offset)", (d) => (d.schedules["platform-primary"].overrides[0].to = "2026-03-07T23:00:00Z"), `${P}.overrides[0].to: must be after from`],
    ["override user", (d) => (d.schedules["platform-primary"].overrides[0].user = "@alice"), `${P}.overrides[0].user: "@alice" is not a Slack user id (U or W followed by uppercase letters and digits)`],
    ["unknown weekday", (d) => (d.schedules["platform-primary"].layers[1].restrictions[0].days[4] = "fry"), `${P}.layers[1].restrictions[0].days[4]: unknown weekday "fry" (expected mon, tue, wed, thu, fri, sat or sun)`],
    ["bad HH:MM", (d) => (d.schedules["platform-primary"].layers[1].restrictions[0].to = "25:00"), `${P}.layers[1].restrictions[0].to: expected a time like 09:00 (HH:MM, 00:00 to 23:59)`],
    ["H:MM", (d) => (d.schedules["platform-primary"].layers[1].restrictions[0].from = "9:00"), `${P}.layers[1].restrictions[0].from: expected a time like 09:00 (HH:MM, 00:00 to 23:59)`],
    ["undefined schedule", (d) => (d.escalation_policies.platform.levels[1].notify[1] = "schedule:platform-tertiary"), `escalation_policies.platform.levels[1].notify[1]: schedule "platform-tertiary" is not defined`],
    ["undefined policy", (d) => (d.services.checkout.escalation_policy = "x"), `services.checkout.escalation_policy: escalation policy "x" is not defined`],
    ["bad notify target", (d) => (d.escalation_policies.platform.levels[0].notify[0] = "team:platform"), `escalation_policies.platform.levels[0].notify[0]: expected "schedule:<name>" or "user:<Slack user id>", got "team:platform"`],
    ["bad notify user", (d) => (d.escalation_policies.platform.levels[1].notify[0] = "user:alice"), `escalation_policies.platform.levels[1].notify[0]: "alice" is not a Slack user id (U or W followed by uppercase letters and digits)`],
    ["empty levels", (d) => (d.escalation_policies.platform.levels = []), `escalation_policies.platform.levels: must have at least one level`],
    ["negative repeat", (d) => (d.escalation_policies.platform.repeat = -1), `escalation_policies.platform.repeat: expected a whole number, 0 or more`],
    ["fractional repeat", (d) => (d.escalation_policies.platform.repeat = 1.5), `escalation_policies.platform.repeat: expected a whole number, 0 or more`],
    ["bad escalate_after", (d) => (d.escalation_policies.platform.levels[0].escalate_after = "5 minutes"), `escalation_policies.platform.levels[0].escalate_after: expected a duration like 5m`],
    ["days as escalate_after", (d) => (d.escalation_policies.platform.levels[0].escalate_after = "1d"), `escalation_policies.platform.levels[0].escalate_after: expected a duration like 5m`],
    ["numeric escalate_after", (d) => (d.escalation_policies.platform.levels[0].escalate_after = 300), `escalation_policies.platform.levels[0].escalate_after: expected a duration like 5m`],
    ["unknown key in a layer", (d) => (d.schedules["platform-primary"].layers[0].rotaton = {}), `${P}.layers[0]: unknown key "rotaton"`],
    ["unknown key at the top", (d) => (d.team = "platform"), `(root): unknown key "team"`],
    ["unknown key in a rotation", (d) => (d.schedules["platform-primary"].layers[0].rotation.timezone = "UTC"), `${P}.layers[0].rotation: unknown key "timezone"`],
    ["unknown key in a service", (d) => (d.services.checkout.owner = "U01AAAA"), `services.checkout: unknown key "owner"`],
    ["layers not a list", (d) => (d.schedules["platform-primary"].layers = { weekly: {} }), `${P}.layers: expected a list of layers`],
    ["schedule not a mapping", (d) => (d.schedules["platform-secondary"] = "Europe/London"), `schedules.platform-secondary: expected a mapping with timezone, layers and overrides`],
    ["missing rotation", (d) => delete d.schedules["platform-primary"].layers[0].rotation, `${P}.layers[0].rotation: is required`],
    ["level not a mapping", (d) => (d.escalation_policies.platform.levels[0] = "schedule:platform-primary"), `escalation_policies.platform.levels[0]: expected a mapping with notify and escalate_after`],
  ];

  it.each(cases)("%s", (_name, edit, expected) => {
    expect(errorsOf(variant(edit))).toEqual([expected]);
  });

  it("reports every error at once, in file order", () => {
    const text = variant((d) => {
      d.schedules["platform-primary"].timezone = "Mars/Base";
      d.schedules["platform-primary"].layers[0].rotation.every = "weekly";
      d.schedules["platform-primary"].layers[1].members = [];
      d.schedules["platform-primary"].overrides[0].to = "2026-03-01T00:00:00Z";
      delete d.schedules["platform-secondary"];
      d.escalation_policies.platform.repeat = -2;
      d.services.checkout.escalation_policy = "x";
    });
    expect(errorsOf(text)).toEqual([
      'schedules.platform-primary.timezone: unknown time zone "Mars/Base"',
      "schedules.platform-primary.layers[0].rotation.every: expected a duration like 1w",
      "schedules.platform-primary.layers[1].members: must not be empty",
      "schedules.platform-primary.overrides[0].to: must be after from",
      'escalation_policies.platform.levels[1].notify[1]: schedule "platform-secondary" is not defined',
      "escalation_policies.platform.repeat: expected a whole number, 0 or more",
      'services.checkout.escalation_policy: escalation policy "x" is not defined',
    ]);
  });

  it("reports the sample file as given in the issue (platform-secondary missing)", () => {
    const issueSample = VALID.replace(/  platform-secondary:\n(?:    .*\n|      .*\n)+/, "");
    expect(issueSample).not.toContain("platform-secondary:");
    expect(errorsOf(issueSample)).toEqual([`escalation_policies.platform.levels[1].notify[1]: schedule "platform-secondary" is not defined`]);
  });

  it("reports YAML syntax errors with line and column", () => {
    const text = "schedules:\n  s:\n    timezone: UTC\n    timezone: UTC\n";
    expect(errorsOf(text)).toEqual(["YAML syntax error at line 4, column 5: Map keys must be unique"]);
    const r = parseRotaFile("schedules: [1, 2\nservices: {}\n", "rota.yaml");
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]).toMatch(/^rota\.yaml:2:1: YAML syntax error at line 2, column 1: /);
  });

  it("rejects an empty file and a file that is not a mapping", () => {
    expect(errorsOf("")).toEqual(["the rota file is empty"]);
    expect(errorsOf("- a\n- b\n")).toEqual(["(root): expected a mapping with schedules, escalation_policies and services"]);
  });
});

describe("duration helpers", () => {
  it.each([
    ["30s", 30],
    ["5m", 300],
    ["10m", 600],
    ["2h", 7200],
  ])("parseDuration(%s) = %i seconds", (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });

  it.each(["", "5", "m", "0m", "-5m", "5 m", "1.5m", "5d", "5M", 5, null])("parseDuration(%j) is null", (text) => {
    expect(parseDuration(text)).toBeNull();
  });

  it.each([
    ["12h", { amount: 12, unit: "h" }],
    ["1d", { amount: 1, unit: "d" }],
    ["2w", { amount: 2, unit: "w" }],
  ] as const)("parseEvery(%s)", (text, expected) => {
    expect(parseEvery(text)).toEqual(expected);
  });

  it.each(["", "1", "0w", "1m", "1y", "1.5d", "-1d", "1 w", 7])("parseEvery(%j) is null", (text) => {
    expect(parseEvery(text)).toBeNull();
  });
});

describe("a schedule's channel", () => {
  it("reads a channel id per schedule, and refuses what is not one", () => {
    const rota = mustParse(variant((d) => void (d.schedules["platform-primary"].channel = "C0PLATFORM")));
    expect(rota.channels).toEqual({ "platform-primary": "C0PLATFORM" });
    expect(mustParse(VALID).channels).toEqual({});
    expect(errorsOf(variant((d) => void (d.schedules["platform-primary"].channel = "#platform")))).toEqual([
      'schedules.platform-primary.channel: "#platform" is not a Slack channel id (C followed by uppercase letters and digits; a channel\'s details in Slack show it)',
    ]);
  });
});

describe("user groups that follow the rota", () => {
  it("reads a schedule's slack_usergroup (an id, or id and when_empty) and the usergroups section", () => {
    const rota = mustParse(
      variant((d) => {
        d.schedules["platform-primary"].slack_usergroup = "S0PRIMARY";
        d.schedules["platform-secondary"].slack_usergroup = { id: "S0SECOND", when_empty: "U01HHHH" };
        d.usergroups = { "platform-oncall": { id: "S0PLATFORM", schedules: ["platform-primary", "platform-secondary"], when_empty: "keep" } };
      }),
    );
    expect(rota.userGroups).toEqual([
      { name: "platform-primary", groupId: "S0PRIMARY", schedules: ["platform-primary"], whenEmpty: "keep" },
      { name: "platform-secondary", groupId: "S0SECOND", schedules: ["platform-secondary"], whenEmpty: "U01HHHH" },
      { name: "platform-oncall", groupId: "S0PLATFORM", schedules: ["platform-primary", "platform-secondary"], whenEmpty: "keep" },
    ]);
    expect(mustParse(VALID).userGroups).toEqual([]);
  });

  it("reports each mistake with its path", () => {
    const text = variant((d) => {
      d.schedules["platform-primary"].slack_usergroup = "platform-oncall";
      d.schedules["platform-secondary"].slack_usergroup = { id: "S0SECOND", when_empty: "nobody" };
      d.usergroups = {
        a: { id: "S0SECOND", schedules: ["platform-primary"] },
        b: { id: "S0B", schedules: ["platform-tertiary"], colour: "red" },
        c: { schedules: [] },
      };
    });
    expect(errorsOf(text)).toEqual([
      'schedules.platform-primary.slack_usergroup: "platform-oncall" is not a Slack user group id (S followed by uppercase letters and digits)',
      'schedules.platform-secondary.slack_usergroup.when_empty: expected keep (leave the members as they are) or a Slack user id, got "nobody"',
      'usergroups.b: unknown key "colour"',
      'usergroups.b.schedules[0]: schedule "platform-tertiary" is not defined',
      "usergroups.c.id: is required",
      "usergroups.c.schedules: must not be empty",
    ]);
    const twice = variant((d) => {
      d.schedules["platform-primary"].slack_usergroup = "S0SAME";
      d.usergroups = { both: { id: "S0SAME", schedules: ["platform-primary", "platform-secondary"] } };
    });
    expect(errorsOf(twice)).toEqual(["usergroups.both.id: user group S0SAME already follows schedules.platform-primary.slack_usergroup; name every schedule of it in one place (usergroups.<name>.schedules)"]);
  });

  it("holds everyone on call on its schedules, or when_empty's person, or nothing to change", () => {
    const rota = mustParse(VALID);
    const schedules = new Map(rota.schedules.map((s) => [s.name, s]));
    const group = { name: "g", groupId: "S0G", schedules: ["platform-primary", "platform-secondary"], whenEmpty: "keep" };
    // 2026-03-08 12:00Z: the override (Erin's stand-in U01EEEE) on primary; London daily rotation on secondary.
    expect(wantedMembers(group, schedules, new Date("2026-03-08T12:00:00Z"))).toEqual(["U01EEEE", "W01GGGG"].sort());
    const before = new Date("2026-01-01T00:00:00Z"); // before every layer's start: nobody
    expect(wantedMembers(group, schedules, before)).toBeNull();
    expect(wantedMembers({ ...group, whenEmpty: "U01ZZZZ" }, schedules, before)).toEqual(["U01ZZZZ"]);
    expect(wantedMembers({ ...group, schedules: ["gone"] }, schedules, new Date("2026-03-08T12:00:00Z"))).toBeNull();
  });
});
