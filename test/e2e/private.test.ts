// Private incidents: a private channel with only the declarer and the commander in it, no
// announcement (or a redacted one), page DMs with only the reference and a link, no wiki export
// unless a private target is set, and nothing about them outside their channel. Every Slack call,
// every reply and every wiki file is searched for the incident's secret words.
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createDirectoryExporter } from "../../src/postmortem/export/directory.ts";
import { postmortemInput } from "../../src/postmortem/service.ts";
import { policy, rotaFile, weeklySchedule } from "../fixtures/rotas.ts";
import { ALICE, BOB, CAROL, DAVE, startHarness, type Harness } from "../support/bot.ts";

const SECRET = "zebra42";
const ROTA = rotaFile({
  schedules: [weeklySchedule("primary", "Europe/London", [CAROL])],
  policies: [policy("platform", [[["schedule:primary"], "5m"]])],
  services: { checkout: "platform" },
});

/** Everything in a folder, as text. */
const filesIn = (dir: string) => readdirSync(dir, { recursive: true, withFileTypes: true }).filter((f) => f.isFile()).map((f) => readFileSync(path.join(f.parentPath, f.name), "utf8"));

describe("a private incident", () => {
  let h: Harness;
  const wiki = mkdtempSync(path.join(os.tmpdir(), "public-wiki-"));
  beforeAll(async () => {
    h = await startHarness({ rota: ROTA, exporter: createDirectoryExporter({ dir: wiki }) });
  });
  afterEach(() => h.slack.assertNoUnexpectedCalls());
  afterAll(async () => h.stop());

  it("is run in a private channel and nothing about it leaks: no announcement, a bare page, no wiki, no replies to outsiders", async () => {
    const replies: string[] = [];
    const say = async (text: string, user: string, channel?: string) => {
      const reply = await h.command(text, channel ? { user, channel } : { user });
      replies.push(JSON.stringify(reply));
      return reply;
    };
    const declared = await say(`declare Secret merger ${SECRET} leaked sev1 private service:checkout`, ALICE);
    expect(declared.text).toMatch(/^\*INC-(\d+)\* declared as a private incident \(SEV1\) with <@U0ALICE001> as commander\. Its channel is #inc-\d+-private\.$/);
    const number = Number(/INC-(\d+)/.exec(declared.text)![1]);
    await h.deliver();
    const incident = (await h.bot.incidents.byNumber(number))!;
    const channel = h.slack.channel(incident.channelId!)!;
    expect(channel).toMatchObject({ name: `inc-${number}-private`, isPrivate: true });
    expect(channel.members.sort()).toEqual([ALICE, h.slack.botUserId].sort());

    // the people in the channel work as usual
    await say(`update ${SECRET} numbers are in the press`, ALICE, channel.id);
    await say(`note ${SECRET} legal is on it`, ALICE, channel.id);
    await say(`action Rotate the ${SECRET} keys`, ALICE, channel.id);
    // the paged person gets only the reference and a link, and is let in when they acknowledge
    // (the page goes out at once, before the channel may exist: the link is there when it does)
    const dm = h.slack.callsTo("chat.postMessage").find((c) => c.args.channel === CAROL)!;
    expect(JSON.stringify(dm.args)).toContain(`INC-${number}, a private incident`);
    expect(JSON.stringify(dm.args)).not.toContain("merger");
    const pageId = (await h.t.db.page.findFirstOrThrow({ where: { incidentId: incident.id } })).id;
    await h.click({ user: CAROL, channel: h.slack.channels().find((c) => c.isIm && c.members.includes(CAROL))!.id, actionId: "page_acknowledge", value: String(pageId) });
    await h.deliver();
    expect(h.slack.channel(channel.id)!.members).toContain(CAROL);

    // people outside its channel learn nothing of it
    for (const [text, pattern] of [
      ["list", /There are no open incidents\./],
      [`show INC-${number}`, /INC-\d+ is a private incident: only the people in its channel/],
      [`timeline INC-${number}`, /is a private incident/],
      [`note INC-${number} curious`, /is a private incident/],
      [`sev 2 INC-${number}`, /is a private incident/],
      [`show INC-${number + 1000}`, /There is no INC-\d+\. There are no open incidents\./],
    ] as const) {
      expect((await say(text, BOB)).text).toMatch(pattern);
    }

    await say("resolve rolled the keys", ALICE, channel.id);
    await say("close", ALICE, channel.id);
    await h.deliver();

    // no call to Slack carried its words except those into its own channel
    const outside = h.slack.calls.filter((c) => JSON.stringify(c.args).toLowerCase().includes(SECRET) && c.args.channel !== channel.id);
    expect(outside.map((c) => `${c.method} ${JSON.stringify(c.args)}`)).toEqual([]);
    expect(h.slack.messages(h.announce)).toEqual([]);
    // no reply to anyone outside the channel, and nothing in the wiki
    expect(replies.filter((r, i) => i >= 4 && r.toLowerCase().includes(SECRET))).toEqual([]);
    expect(filesIn(wiki).filter((f) => f.toLowerCase().includes(SECRET))).toEqual([]);
    expect(await h.t.db.outboxMessage.findFirst({ where: { kind: "postmortem.export", state: "sent", payload: { path: ["incidentId"], equals: incident.id } } })).not.toBeNull();

    // and no other incident's postmortem names it among related incidents
    const later = await say("declare Secret merger press leaked again sev3", ALICE);
    const laterIncident = (await h.bot.incidents.byNumber(Number(/INC-(\d+)/.exec(later.text)![1])))!;
    const input = await postmortemInput(h.t.db, laterIncident.id, h.clock.now());
    expect(input.relatedIncidents.map((r) => r.number)).not.toContain(number);
    await h.deliver();
  });
});

describe("with a redacted announcement and a private postmortem target", () => {
  let h: Harness;
  const wiki = mkdtempSync(path.join(os.tmpdir(), "public-wiki-"));
  const vault = mkdtempSync(path.join(os.tmpdir(), "private-drafts-"));
  beforeAll(async () => {
    h = await startHarness({
      rota: ROTA,
      env: { INCIDENT_ANNOUNCE_PRIVATE: "redacted" },
      exporter: createDirectoryExporter({ dir: wiki }),
      privateExporter: createDirectoryExporter({ dir: vault }),
    });
  });
  afterAll(async () => h.stop());

  it("says a private incident was declared, without its title, and writes its draft only to the private target", async () => {
    const reply = await h.command(`declare Payroll ${SECRET} exposed sev2 <@${DAVE}> private`, { user: ALICE });
    const number = Number(/INC-(\d+)/.exec(reply.text)![1]);
    await h.deliver();
    const incident = (await h.bot.incidents.byNumber(number))!;
    expect(h.slack.channel(incident.channelId!)!.members.sort()).toEqual([ALICE, DAVE, h.slack.botUserId].sort());
    const announced = h.slack.messages(h.announce);
    expect(announced.map((m) => m.text)).toEqual([`:lock: A private incident (INC-${number}, SEV2) was declared; what it is about is said only in its channel.`]);
    await h.command("resolve done", { user: DAVE, channel: incident.channelId! });
    await h.command("close", { user: DAVE, channel: incident.channelId! });
    await h.deliver();
    expect(h.slack.messages(h.announce).length).toBe(1); // resolving and closing are not announced either
    expect(filesIn(wiki)).toEqual([]);
    expect(filesIn(vault).some((f) => f.includes(SECRET))).toBe(true);
  });
});
