// Slack handlers called directly, without HTTP: each takes the parsed command (or form) and who
// asked where, and returns what to answer; one wrapper turns refusals into answers.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/clock.ts";
import { onCommit } from "../../src/db/tx.ts";
import { UserError } from "../../src/errors.ts";
import { EscalationService } from "../../src/escalation/service.ts";
import { IncidentService } from "../../src/incidents/service.ts";
import { memoryLogger, requestLogger } from "../../src/log.ts";
import { OnCallService } from "../../src/oncall/service.ts";
import { PostmortemService } from "../../src/postmortem/service.ts";
import { DEFAULT_UPDATE_CADENCE } from "../../src/reminders/plan.ts";
import { ReminderService } from "../../src/reminders/service.ts";
import { ReportService } from "../../src/report/service.ts";
import { SloService } from "../../src/slo/service.ts";
import { parseCommand, type Command } from "../../src/slack/grammar.ts";
import { COMMANDS, runCommand } from "../../src/slack/listeners/commands/index.ts";
import type { CommandContext } from "../../src/slack/listeners/commands/types.ts";
import type { ListenerContext } from "../../src/slack/listeners/context.ts";
import { actionItemForm, declareForm } from "../../src/slack/listeners/views/forms.ts";
import { handle } from "../../src/slack/reply.ts";
import { SlackUsers } from "../../src/slack/users.ts";
import { SlackActors } from "../../src/slack/actors.ts";
import { createWebClient, SlackIdentity } from "../../src/slack/web-client.ts";
import { AlertService } from "../../src/alerts/service.ts";
import { member } from "../support/actors.ts";
import { freshDatabase, type TestDatabase } from "../support/db.ts";

let t: TestDatabase;
let services: ListenerContext;
const log = memoryLogger();
const clock = new ManualClock("2026-04-01T09:00:00Z");

beforeAll(async () => {
  t = await freshDatabase();
  const escalation = new EscalationService({ db: t.db, clock, log });
  // Nobody is asked: no handler below needs a person's profile.
  const unused = createWebClient("xoxb-unused", "http://127.0.0.1:9/api/");
  const reminders = new ReminderService({ db: t.db, clock, cadence: DEFAULT_UPDATE_CADENCE });
  const incidents = new IncidentService({ db: t.db, clock, pager: escalation, reminders });
  services = {
    incidents,
    reminders,
    slo: new SloService({ db: t.db, clock }),
    reports: new ReportService({ db: t.db, clock }),
    escalation,
    alerts: new AlertService({ db: t.db, clock, log, escalation, incidents }),
    oncall: new OnCallService({ db: t.db, clock }),
    postmortems: new PostmortemService({ db: t.db, clock }),
    users: new SlackUsers(unused),
    // handlers are given their actor; the listeners build it (not used here)
    actors: new SlackActors({ slack: unused, identity: new SlackIdentity(unused), groupsInAccess: async () => [], clock, log }),
    clock,
    log,
    say: async () => undefined,
  };
});
afterAll(async () => t.drop());

function parsed(text: string): Exclude<Command, { verb: "declare-modal" }> {
  const r = parseCommand(text);
  if (!r.ok || r.command.verb === "declare-modal") throw new Error(`not a command: ${text}`);
  return r.command;
}

const ctx = (over: Partial<CommandContext> = {}): CommandContext => ({
  userId: "U0ALICE001",
  actor: member("U0ALICE001"),
  channelId: "C0GENERAL1",
  requestKey: undefined,
  services,
  log: requestLogger(log, { req: "test" }),
  ...over,
});

describe("command handlers", () => {
  it("every verb of the grammar has a handler", () => {
    const verbs = ["help", "declare", "commander", "role", "sev", "status", "update", "note", "resolve", "reopen", "close", "list", "show", "timeline", "oncall", "override", "override-remove", "swap", "page", "ack", "alerts", "alerts-ack", "action", "action-done", "actions", "postmortem", "postmortem-reviewed", "impact", "slo", "stats"];
    expect(Object.keys(COMMANDS).sort()).toEqual(verbs.sort());
  });

  it("stats refuses guests (it would say what incidents there were)", async () => {
    await expect(runCommand(parsed("stats 7d"), ctx({ actor: member("U0GUEST001", { guest: true }) }))).rejects.toThrow(/Guests cannot act on incidents here/);
    expect((await runCommand(parsed("stats"), ctx())).text).toMatch(/^\*Incident metrics\*, /);
  });

  it("declare answers with the incident and its channel; the same request again says it was already declared", async () => {
    const first = await runCommand(parsed("declare Search is slow sev2"), ctx({ requestKey: "command:1" }));
    expect(first.text).toMatch(/^\*INC-\d+\* declared \(SEV2\) with <@U0ALICE001> as commander\. Its channel is #inc-\d+-search-is-slow\.$/);
    const again = await runCommand(parsed("declare Search is slow sev2"), ctx({ requestKey: "command:1" }));
    expect(again.text).toMatch(/^Already declared: \*INC-\d+\*/);
    expect(await t.db.incident.count({ where: { title: "Search is slow" } })).toBe(1);
  });

  it("a change in the incident's channel is said in the channel; elsewhere (by INC-<n>) only to the asker; a note never", async () => {
    const { text } = await runCommand(parsed("declare Queue backlog sev3"), ctx());
    const number = Number(/INC-(\d+)/.exec(text)![1]);
    const incident = (await services.incidents.byNumber(number))!;
    await t.db.incident.update({ where: { id: incident.id }, data: { channelId: "C0INCIDENT" } });
    const here = await runCommand(parsed("sev 1"), ctx({ channelId: "C0INCIDENT" }));
    expect(here).toMatchObject({ inChannel: true });
    expect(here.text).toContain("SEV3 → SEV1");
    const elsewhere = await runCommand(parsed(`sev 2 INC-${number}`), ctx());
    expect(elsewhere.inChannel).toBe(false);
    const note = await runCommand(parsed("note looking at the consumers"), ctx({ channelId: "C0INCIDENT" }));
    expect(note.inChannel).toBe(false);
  });

  it("a refusal is a user error with a code that the wrapper answers; only a commit says what it wrote", async () => {
    const woken: string[][] = [];
    const stop = onCommit(t.db, (w) => void woken.push([...w].sort()));
    try {
      const { text } = await runCommand(parsed("declare Cache miss storm sev3"), ctx());
      const number = Number(/INC-(\d+)/.exec(text)![1]);
      expect(woken).toEqual([["channel"]]); // the channel, the card: delivered at once
      await expect(runCommand(parsed(`close INC-${number}`), ctx())).rejects.toMatchObject({ code: "forbidden_transition" });
      await expect(runCommand(parsed("sev 1 INC-999999"), ctx())).rejects.toMatchObject({ code: "not_found" });
      const reply = await handle(() => runCommand(parsed(`close INC-${number}`), ctx()), { log, what: "close" });
      expect(reply?.text).toMatch(/^Resolve the incident before closing it/);
      await runCommand(parsed(`note INC-${number} the cache hit rate is back`), ctx());
      expect(woken).toEqual([["channel"]]); // refusals roll back; a note sends nothing
    } finally {
      stop();
    }
  });

  it("anything else is logged and answered with an apology", async () => {
    const reply = await handle(() => Promise.reject(new Error("connection reset")), { log, what: "/incident sev" });
    expect(reply?.text).toBe("Something went wrong on our side and nothing was changed. Please try again in a moment.");
    expect(log.lines.some((l) => l.startsWith("error /incident sev failed: Error: connection reset"))).toBe(true);
  });

  it("a handler names the incident on the request's log once it knows it; the wrapper adds the outcome", async () => {
    const declared = requestLogger(log, { req: "r-declare" });
    const { text } = await runCommand(parsed("declare Disk full sev3"), ctx({ log: declared }));
    const ref = /INC-\d+/.exec(text)![0];
    expect(declared.bindings()).toMatchObject({ req: "r-declare", incident: ref });
    const changed = requestLogger(log, { req: "r-sev" });
    await handle(() => runCommand(parsed(`sev 2 ${ref}`), ctx({ log: changed })), { log: changed, what: "/incident sev" });
    expect(changed.bindings()).toMatchObject({ incident: ref, outcome: "ok" });
    const refused = requestLogger(log, { req: "r-refused" });
    await handle(() => runCommand(parsed(`close ${ref}`), ctx({ log: refused })), { log: refused, what: "/incident close" });
    expect(refused.bindings()).toMatchObject({ incident: ref, outcome: "user_error", code: "forbidden_transition" });
    refused.info("after");
    expect(log.records.at(-1)).toMatchObject({ msg: "after", req: "r-refused", incident: ref, outcome: "user_error" });
  });

  it("oncall names the schedules there are when asked for one that is not", async () => {
    await expect(runCommand(parsed("oncall nowhere"), ctx())).rejects.toThrow(UserError);
    await expect(runCommand(parsed("oncall override nowhere <@U0BOB00002> now 8h"), ctx())).rejects.toThrow("There is no schedule `nowhere`");
  });
});

describe("form handlers", () => {
  const submission = (values: Record<string, unknown>, over: Record<string, unknown> = {}) => ({
    userId: "U0ALICE001",
    actor: member("U0ALICE001"),
    viewId: `V${Math.random()}`,
    values: values as never,
    privateMetadata: "",
    services,
    log: requestLogger(log, { req: "test" }),
    ...over,
  });

  it("the declare form names each field that is wrong, and declares nothing", async () => {
    const count = await t.db.incident.count();
    expect(await declareForm(submission({ title: { value: { value: " " } } }))).toEqual({
      errors: { title: "Give the incident a title.", severity: "Pick a severity from SEV1 (highest) to SEV4." },
    });
    expect(await t.db.incident.count()).toBe(count);
  });

  it("the action item form submitted twice adds one item", async () => {
    const { text } = await runCommand(parsed("declare Form twice sev3"), ctx());
    const incident = (await services.incidents.byNumber(Number(/INC-(\d+)/.exec(text)![1])))!;
    const form = submission({ text: { value: { value: "Alert on backlog" } }, type: { value: { selected_option: { value: "detect" } } } }, { viewId: "V-twice", privateMetadata: JSON.stringify({ incidentId: incident.id }) });
    expect(await actionItemForm(form)).toBeNull();
    expect(await actionItemForm(form)).toBeNull();
    expect(await t.db.actionItem.count({ where: { incidentId: incident.id } })).toBe(1);
  });
});
