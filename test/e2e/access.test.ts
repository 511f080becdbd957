// Who may do what, over signed HTTP: a refused action says who may do it and writes nothing
// (no incident row, no timeline event, no message to send).
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { slashCommand } from "../../src/standin/requests.ts";
import { policy, rotaFile, weeklySchedule } from "../fixtures/rotas.ts";
import { ALICE, BOB, CAROL, DAVE, ERIN, startHarness, type Harness } from "../support/bot.ts";

const GUEST = "U0GUEST006";
const OUTSIDER = "U0OUTSID07";
const ADMINS_GROUP = "S0ADMINS01";

const ROTA = rotaFile({
  admins: [ERIN, ADMINS_GROUP],
  maxOverride: "3d",
  schedules: [weeklySchedule("primary", "America/New_York", [ALICE, BOB], "2026-02-23T09:00", [CAROL])],
  policies: [policy("platform", [[["schedule:primary"], "5m"]])],
  services: { checkout: "platform" },
});

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ rota: ROTA, env: { PAGE_RATE_LIMIT: "3/10m" } });
  h.slack.addUser({ id: GUEST, name: "guest", guest: "multi-channel" });
  h.slack.addUser({ id: OUTSIDER, name: "outsider", teamId: "T0ELSEWHERE" });
  h.slack.addUserGroup(ADMINS_GROUP, "incident-admins", [DAVE]);
  h.slack.addChannel("incidents-guests", { members: [h.slack.botUserId, GUEST, OUTSIDER] });
});
afterEach(() => h.slack.assertNoUnexpectedCalls());
afterAll(async () => h.stop());

/** What the database holds that a refused action must leave as it was. */
const written = async () => ({
  incidents: await h.t.db.incident.count(),
  events: await h.t.db.timelineEvent.count(),
  outbox: await h.t.db.outboxMessage.count(),
  overrides: await h.t.db.scheduleOverride.count(),
  pages: await h.t.db.page.count(),
});

async function declare(text: string, user: string): Promise<{ number: number; channelId: string }> {
  const reply = await h.command(text, { user });
  const number = Number(/INC-(\d+)/.exec(reply.text)![1]);
  await h.deliver();
  return { number, channelId: (await h.bot.incidents.byNumber(number))!.channelId! };
}

async function refused(text: string, user: string, channel: string | undefined, says: RegExp): Promise<void> {
  const before = await written();
  const reply = await h.command(text, channel ? { user, channel } : { user });
  expect(reply.response_type).toBe("ephemeral");
  expect(reply.text).toMatch(says);
  expect(await written()).toEqual(before);
}

describe("changing an incident", () => {
  it("only the commander, the incident's roles and admins change severity, status, command and roles, or close", async () => {
    const inc = await declare("declare Orders stuck sev3", ALICE);
    for (const text of ["sev 1", "status identified", "resolve fixed it", "commander <@U0BOB00002>", "role scribe <@U0BOB00002>"]) {
      await refused(text, BOB, inc.channelId, /^Only the incident commander \(<@U0ALICE001>\), the incident's roles and admins \(<@U0ERIN0005>, <!subteam\^S0ADMINS01>\) may .* for INC-\d+\.$/);
    }
    // anyone may note and update
    expect((await h.command("note looked at the queue", { user: BOB, channel: inc.channelId })).text).toContain("note: looked at the queue");
    expect((await h.command("update still stuck", { user: BOB, channel: inc.channelId })).text).toBe("Status update posted.");
    // the commander gives Bob a role: now he may
    await h.command("role comms <@U0BOB00002>", { user: ALICE, channel: inc.channelId });
    expect((await h.command("sev 2", { user: BOB, channel: inc.channelId })).text).toContain("SEV3 → SEV2");
    // an admin, by name or through a user group
    expect((await h.command("status identified", { user: ERIN, channel: inc.channelId })).text).toContain("investigating → identified");
    expect((await h.command("sev 1", { user: DAVE, channel: inc.channelId })).text).toContain("SEV2 → SEV1");
    // the card's buttons follow the same rules
    await h.deliver();
    const card = h.slack.messages(inc.channelId).find((m) => m.pinned)!;
    const before = await written();
    await h.click({ user: CAROL, channel: inc.channelId, actionId: "incident_status:resolved", messageTs: card.ts });
    expect(await written()).toEqual(before);
    const told = h.slack.callsTo("chat.postEphemeral").filter((c) => c.args.user === CAROL).at(-1)!;
    expect(String(told.args.text)).toMatch(/^Only the incident commander/);
  });

  it("exporting the postmortem is the responders' too, and a second ask within a minute queues nothing", async () => {
    const inc = await declare("declare Export rules sev4", ALICE);
    await refused("postmortem export", BOB, inc.channelId, /^Only the incident commander .* may export its postmortem/);
    const exports = () => h.t.db.outboxMessage.count({ where: { kind: "postmortem.export" } });
    const before = await exports();
    expect((await h.command("postmortem export", { user: ALICE, channel: inc.channelId })).text).toContain("writing the postmortem draft");
    h.clock.advance(30_000);
    expect((await h.command("postmortem export", { user: ALICE, channel: inc.channelId })).text).toMatch(/less than a minute ago; it is on its way/);
    expect(await exports()).toBe(before + 1);
    h.clock.advance(31_000);
    await h.command("postmortem export", { user: ALICE, channel: inc.channelId });
    expect(await exports()).toBe(before + 2);
    await h.deliver();
  });
});

describe("pages", () => {
  it("a page is acknowledged by whoever it paged, the commander or an admin; anyone else is told who may", async () => {
    const inc = await declare("declare Payments failing sev3", ALICE);
    await h.command("page <@U0BOB00002> please look", { user: ALICE, channel: inc.channelId });
    await h.deliver();
    await refused("ack", CAROL, inc.channelId, /^Only the people it paged \(<@U0BOB00002>\), the incident commander \(<@U0ALICE001>\) and admins .* may acknowledge this page of INC-\d+\.$/);
    expect((await h.command("ack", { user: BOB, channel: inc.channelId })).text).toContain("acknowledged by <@U0BOB00002>");
  });

  it("one person pages at most the configured number of times in the window", async () => {
    const inc = await declare("declare Flapping alerts sev3", BOB);
    h.clock.advance(11 * 60_000); // earlier tests' pages are out of the window
    for (let i = 0; i < 3; i++) expect((await h.command(`page <@U0CAROL003> try ${i}`, { user: BOB, channel: inc.channelId })).text).toContain("paging user:U0CAROL003");
    await refused("page <@U0CAROL003> once more", BOB, inc.channelId, /You have started 3 pages in the last 10 minutes/);
    h.clock.advance(10 * 60_000);
    expect((await h.command("page <@U0CAROL003> later", { user: BOB, channel: inc.channelId })).text).toContain("paging");
    await h.deliver();
  });
});

describe("overrides", () => {
  it("are added by the person who will cover, the schedule's owners or admins, never longer than max_override, and the displaced are told", async () => {
    h.clock.set("2026-03-07T15:00:00Z"); // Bob's week
    await refused("oncall override primary <@U0DAVE0004> 2026-03-08T09:00 1d", BOB, undefined, /^Only the person who will cover \(<@U0DAVE0004>\), the owners of primary \(<@U0CAROL003>\) and admins .* may add this override\.$/);
    await refused("oncall override primary <@U0DAVE0004> 2026-03-08T09:00 4d", DAVE, undefined, /at most 3 days.*lasts 4 days/);
    const own = await h.command("oncall override primary <@U0DAVE0004> 2026-03-08T09:00 1d", { user: DAVE });
    expect(own.text).toMatch(/^Override #\d+: <@U0DAVE0004> covers \*primary\*/);
    const byOwner = await h.command("oncall override primary <@U0ERIN0005> 2026-03-07T09:00 1d", { user: CAROL });
    expect(byOwner.text).toContain("covers *primary*");
    await h.deliver();
    const toBob = h.slack.callsTo("chat.postMessage").filter((c) => c.args.channel === BOB && String(c.args.text).includes("covers your on-call shift on *primary*"));
    expect(toBob.length).toBe(2); // both covered Bob's week
    // removed by whoever made it, an owner or an admin
    const id = Number(/#(\d+)/.exec(own.text)![1]);
    await refused(`oncall override remove ${id}`, BOB, undefined, /^Only whoever created it \(<@U0DAVE0004>\), the owners of primary \(<@U0CAROL003>\) and admins .* may remove override #\d+\.$/);
    expect((await h.command(`oncall override remove ${id}`, { user: CAROL })).text).toContain(`Removed override #${id}`);
  });
});

describe("who may use the bot at all", () => {
  it("guests and people of another workspace are refused, and so is a request from another workspace", async () => {
    const guests = h.slack.channel("incidents-guests")!.id;
    await refused("declare Guest trouble sev2", GUEST, guests, /^Guests cannot act on incidents here/);
    await refused("declare Outsider trouble sev2", OUTSIDER, guests, /people of another workspace cannot use it/);
    // a member, but the request says it comes from another workspace
    const before = await written();
    const request = slashCommand(h.slack, { userId: ALICE, channelId: guests, command: "/incident", text: "declare Forwarded sev2", responseUrl: "https://hooks.slack.com/commands/x" });
    const res = await h.post(request.body.replace(`team_id=${h.slack.teamId}`, "team_id=T0ELSEWHERE"));
    expect(res.status).toBe(200);
    expect(res.json().text).toMatch(/people of another workspace cannot use it/);
    expect(await written()).toEqual(before);
  });
});
