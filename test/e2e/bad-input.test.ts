// Bad input over signed HTTP: what Slack escapes is read once and escaped once on the way out
// (so "R&D" stays "R&D" and a title cannot notify a whole channel); free text has a length limit
// in the grammar; an incident number out of range is an unknown incident.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { policy, rotaFile, weeklySchedule } from "../fixtures/rotas.ts";
import { ALICE, BOB, startHarness, type Harness } from "../support/bot.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    rota: rotaFile({
      schedules: [weeklySchedule("primary", "Europe/London", [BOB])],
      policies: [policy("platform", [[["schedule:primary"], "5m"]])],
      services: { checkout: "platform" },
    }),
  });
});
afterEach(() => h.slack.assertNoUnexpectedCalls());
afterAll(async () => h.stop());

const written = async () => ({ events: await h.t.db.timelineEvent.count(), outbox: await h.t.db.outboxMessage.count(), pages: await h.t.db.page.count() });

describe("text as Slack sends it", () => {
  it("an ampersand typed is read once: R&D stays R&D on the card and slugs to r-d", async () => {
    // Slack sends what people type with &, < and > escaped
    const reply = await h.command("declare R&amp;D database down sev3", { user: ALICE });
    const number = Number(/INC-(\d+)/.exec(reply.text)![1]);
    expect(reply.text).toContain(`#inc-${number}-r-d-database-down`);
    await h.deliver();
    const incident = (await h.bot.incidents.byNumber(number))!;
    expect(incident.title).toBe("R&D database down");
    const card = h.slack.messages(incident.channelId!).find((m) => m.pinned)!;
    expect(JSON.stringify(card.blocks)).toContain(`INC-${number}: R&D database down`); // the header is plain text
    expect(card.text).toContain("R&amp;D database down"); // mrkdwn: escaped once, shown as R&D
    expect(card.text).not.toContain("&amp;amp;");
  });

  it("a title cannot notify a channel: markup typed by people is escaped everywhere it is said", async () => {
    const reply = await h.command("declare Deploy &lt;!channel&gt; broke &lt;@U0BOB00002&gt; sev1 service:checkout", { user: ALICE });
    const number = Number(/INC-(\d+)/.exec(reply.text)![1]);
    await h.deliver();
    const incident = (await h.bot.incidents.byNumber(number))!;
    expect(incident.title).toBe("Deploy <!channel> broke <@U0BOB00002>");
    const said = h.slack.callsTo("chat.postMessage").filter((c) => JSON.stringify(c.args).includes(`INC-${number}`));
    expect(said.length).toBeGreaterThan(2); // the card, the announcement, the page
    for (const call of said) {
      expect(String(call.args.text)).not.toContain("<!channel>");
      expect(JSON.stringify(call.args.blocks ?? [])).not.toMatch(/"type":"mrkdwn","text":"[^"]*<!channel>/);
    }
    const page = said.find((c) => c.args.channel === BOB)!;
    expect(String(page.args.text)).toContain("Deploy &lt;!channel&gt; broke &lt;@U0BOB00002&gt;");
  });
});

describe("length limits", () => {
  it.each([
    ["resolve", /keep it under 2,900/],
    ["note", /keep it under 2,900/],
    ["page <@U0BOB00002>", /keep it under 2,900/],
  ])("`/incident %s <3,000 characters>` is refused by the grammar, and nothing is written", async (verb, pattern) => {
    const reply = await h.command(`declare Long texts ${verb.split(" ")[0]} sev4`, { user: ALICE });
    const incident = (await h.bot.incidents.byNumber(Number(/INC-(\d+)/.exec(reply.text)![1])))!;
    await h.deliver();
    const before = await written();
    const refused = await h.command(`${verb} INC-${incident.number} ${"x".repeat(3_000)}`, { user: ALICE });
    expect(refused.text).toMatch(pattern);
    expect(await written()).toEqual(before);
  });
});

describe("incident numbers", () => {
  it("INC-99999999999 is an unknown incident, not an error", async () => {
    const reply = await h.command("sev 1 INC-99999999999", { user: ALICE });
    expect(reply.text).toMatch(/^There is no INC-99999999999\./);
    expect(h.log.lines.filter((l) => l.startsWith("error"))).toEqual([]);
  });
});
