import { describe, expect, it } from "vitest";
import { HELP_LINES, helpText, parseCommand, VERBS } from "../../src/slack/grammar.ts";

const ok = (text: string) => {
  const r = parseCommand(text);
  if (!r.ok) throw new Error(`expected ${text} to parse: ${r.error}`);
  return r.command;
};
const err = (text: string) => {
  const r = parseCommand(text);
  if (r.ok) throw new Error(`expected ${text} to be refused, got ${JSON.stringify(r.command)}`);
  return r.error;
};

describe("/incident grammar", () => {
  it("opens the modal with no arguments or a bare declare", () => {
    expect(ok("")).toEqual({ verb: "declare-modal" });
    expect(ok("  declare ")).toEqual({ verb: "declare-modal" });
  });

  it("declares with a title, severity and commander", () => {
    expect(ok("declare Checkout is failing sev1")).toEqual({ verb: "declare", title: "Checkout is failing", severity: "SEV1", commanderId: null, service: null, private: false });
    expect(ok("declare DB down <@U123|dana> SEV2")).toEqual({ verb: "declare", title: "DB down", severity: "SEV2", commanderId: "U123", service: null, private: false });
    expect(ok("declare Acquisition talks leaked sev1 private")).toMatchObject({ title: "Acquisition talks leaked", severity: "SEV1", private: true });
    expect(ok("declare Payments slow service:checkout")).toMatchObject({ title: "Payments slow", service: "checkout", severity: null });
    expect(err("declare sev1")).toMatch(/needs a title/);
    expect(err("declare Broken sev9")).toMatch(/sev9.*not a severity/);
  });

  it("reads mentions as Slack escapes them", () => {
    expect(ok("commander <@U0AB12|lee>")).toEqual({ verb: "commander", userId: "U0AB12", incident: null });
    expect(ok("ic <@W999>")).toEqual({ verb: "commander", userId: "W999", incident: null });
    expect(err("commander @lee")).toMatch(/Mention them/);
    expect(err("commander")).toMatch(/needs a person/);
    expect(ok("role comms <@U1>")).toEqual({ verb: "role", role: "comms", userId: "U1", incident: null });
    expect(ok("role scribe <@U2|x>")).toEqual({ verb: "role", role: "scribe", userId: "U2", incident: null });
    expect(err("role chef <@U2>")).toMatch(/not a role.*comms, scribe/);
  });

  it("reads severities and statuses, and refuses others with what works", () => {
    expect(ok("sev 1")).toEqual({ verb: "sev", severity: "SEV1", incident: null });
    expect(ok("sev SEV4")).toEqual({ verb: "sev", severity: "SEV4", incident: null });
    expect(err("sev 9")).toMatch(/1 to 4/);
    expect(err("sev")).toMatch(/1 to 4/);
    expect(ok("status Identified")).toEqual({ verb: "status", status: "identified", incident: null });
    expect(err("status fixed")).toMatch(/investigating, identified, monitoring, resolved, closed/);
  });

  it("takes an incident named INC-<n>", () => {
    expect(ok("sev 1 INC-42")).toEqual({ verb: "sev", severity: "SEV1", incident: 42 });
    expect(ok("INC-42 sev 2")).toEqual({ verb: "sev", severity: "SEV2", incident: 42 });
    expect(ok("update INC-7 rolled back, watching INC-6 too")).toEqual({ verb: "update", text: "rolled back, watching INC-6 too", incident: 7 });
    expect(ok("note  keep  spacing")).toEqual({ verb: "note", text: "keep  spacing", incident: null });
    expect(ok("resolve")).toEqual({ verb: "resolve", text: null, incident: null });
    expect(ok("resolve INC-3 rolled back")).toEqual({ verb: "resolve", text: "rolled back", incident: 3 });
    expect(ok("timeline inc-5")).toEqual({ verb: "timeline", incident: 5 });
    expect(err("INC-1 sev 2 INC-2")).toMatch(/two different incidents/);
  });

  it("refuses unknown verbs and empty texts with what would work", () => {
    expect(err("frobnicate")).toMatch(/don't know `frobnicate`.*declare.*help/);
    expect(err("update")).toMatch(/needs some text/);
    expect(err("close now")).toMatch(/takes no arguments/);
  });

  it("reads on-call, paging, action items and postmortems", () => {
    expect(ok("oncall")).toEqual({ verb: "oncall", schedule: null });
    expect(ok("oncall platform-primary")).toEqual({ verb: "oncall", schedule: "platform-primary" });
    expect(ok("oncall override platform-primary <@U0DANA|dana> 2026-03-07T18:00 2d")).toEqual({ verb: "override", schedule: "platform-primary", userId: "U0DANA", from: "2026-03-07T18:00", to: "2d" });
    expect(ok("oncall override remove 12")).toEqual({ verb: "override-remove", id: 12 });
    expect(err("oncall override platform-primary <@U0DANA> now")).toMatch(/needs a schedule, a person, a start and an end/);
    expect(err("oncall override remove twelve")).toMatch(/by its number/);
    expect(ok("oncall swap platform-primary <@U0DANA|dana> 2026-03-07T18:00 2d")).toEqual({ verb: "swap", schedule: "platform-primary", userId: "U0DANA", from: "2026-03-07T18:00", to: "2d", trade: null });
    expect(ok("swap platform-primary <@U0DANA> now 8h FOR 2026-03-14T18:00 8h")).toEqual({ verb: "swap", schedule: "platform-primary", userId: "U0DANA", from: "now", to: "8h", trade: { from: "2026-03-14T18:00", to: "8h" } });
    expect(err("oncall swap platform-primary <@U0DANA> now 8h against 2026-03-14T18:00 8h")).toMatch(/for a trade, `for`/);
    expect(err("oncall swap platform-primary dana now 8h")).toMatch(/not a person/);
    expect(ok("page checkout DB is on fire")).toEqual({ verb: "page", target: "checkout", message: "DB is on fire", incident: null });
    expect(ok("page INC-4 <@U0DANA>")).toEqual({ verb: "page", target: "<@U0DANA>", message: null, incident: 4 });
    expect(err("page")).toMatch(/whom to page/);
    expect(ok("ack")).toEqual({ verb: "ack", incident: null });
    expect(ok("action Alert on queue depth <@U0DANA> type:detect")).toEqual({ verb: "action", text: "Alert on queue depth", ownerId: "U0DANA", type: "detect", dueOn: null, incident: null });
    expect(ok("action Alert on queue depth due:2026-04-30 <@U0DANA>")).toMatchObject({ text: "Alert on queue depth", ownerId: "U0DANA", dueOn: new Date("2026-04-30T00:00:00Z") });
    expect(err("action Alert due:2026-13-01")).toMatch(/not a due date/);
    expect(ok("action done 12")).toEqual({ verb: "action-done", id: 12 });
    expect(ok("action done with the runbook")).toMatchObject({ verb: "action", text: "done with the runbook" });
    expect(ok("postmortem reviewed INC-9")).toEqual({ verb: "postmortem-reviewed", incident: 9 });
    expect(ok("impact start 2026-03-01T09:40Z")).toEqual({ verb: "impact", edge: "start", at: "2026-03-01T09:40Z", incident: null });
    expect(ok("impact end now INC-3")).toEqual({ verb: "impact", edge: "end", at: "now", incident: 3 });
    expect(err("impact start yesterday")).toMatch(/`yesterday` is not a time/);
    expect(err("impact begin now")).toMatch(/Say when the impact began or ended/);
    expect(ok("slo checkout")).toEqual({ verb: "slo", service: "checkout" });
    expect(ok("slo")).toEqual({ verb: "slo", service: null });
    expect(ok("stats")).toEqual({ verb: "stats", period: "30d" });
    expect(ok("stats 7D")).toEqual({ verb: "stats", period: "7d" });
    expect(ok("stats 90d")).toEqual({ verb: "stats", period: "90d" });
    expect(err("stats 14d")).toMatch(/takes a period: `7d`, `30d` \(the default\) or `90d`/);
    expect(err("stats 7d extra")).toMatch(/takes a period/);
    expect(ok("action Write the runbook")).toMatchObject({ text: "Write the runbook", ownerId: null, type: "prevent" });
    expect(err("action Blame Bob type:blame")).toMatch(/not a type/);
    expect(ok("postmortem")).toEqual({ verb: "postmortem", export: false, incident: null });
    expect(ok("postmortem export INC-9")).toEqual({ verb: "postmortem", export: true, incident: 9 });
    expect(err("postmortem publish")).toMatch(/postmortem export/);
  });

  it("lists every verb in the help", () => {
    const help = helpText();
    for (const verb of VERBS) expect(help, verb).toContain(verb);
    expect(HELP_LINES.length).toBeGreaterThanOrEqual(14);
  });
});
