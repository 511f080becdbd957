// The whole walk over real HTTP: declare → commander → sev → status updates → resolve → close.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALICE, BOB, CAROL, startHarness, type Harness } from "../support/bot.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  h.slack.assertNoUnexpectedCalls();
  await h.stop();
});

const blocksText = (blocks: any[] | undefined) => JSON.stringify(blocks ?? []);

describe("an incident from declaration to close", () => {
  let channelId: string;
  let cardTs: string;

  it("declares: channel created, people invited, card posted and pinned, announced", async () => {
    const reply = await h.command("declare Checkout is failing sev1 <@U0BOB00002|bob>", { user: ALICE });
    expect(reply.response_type).toBe("ephemeral");
    expect(reply.text).toContain("INC-1");
    expect(reply.text).toContain("<@U0BOB00002>");
    await h.deliver();

    const channel = h.slack.channel("inc-1-checkout-is-failing");
    expect(channel).toBeDefined();
    channelId = channel!.id;
    expect(channel!.members).toEqual(expect.arrayContaining([ALICE, BOB]));
    const card = h.slack.messages(channelId).find((m) => m.blocks);
    expect(card).toBeDefined();
    cardTs = card!.ts;
    expect(card!.pinned).toBe(true);
    const text = blocksText(card!.blocks);
    for (const part of ["INC-1: Checkout is failing", "SEV1", "Investigating", "<@U0BOB00002>", "Declared"]) expect(text).toContain(part);
    expect(card!.blocks!.some((b: any) => b.type === "actions")).toBe(true);

    const announced = h.slack.messages(h.announce);
    expect(announced.length).toBe(1);
    expect(announced[0].text).toContain("INC-1 declared");
    expect(announced[0].text).toContain(`<#${channelId}>`);
    expect(h.slack.callsTo("conversations.create").length).toBe(1);
    expect(h.slack.callsTo("pins.add").length).toBe(1);
  });

  it("hands command, changes severity and status, editing the same card", async () => {
    const posts = h.slack.callsTo("chat.postMessage").length;
    const r1 = await h.command("commander <@U0CAROL003|carol>", { user: BOB, channel: channelId });
    expect(r1.response_type).toBe("in_channel");
    const r2 = await h.command("sev 2", { user: CAROL, channel: channelId });
    expect(r2.text).toContain("SEV1 → SEV2");
    await h.command("role scribe <@U0ALICE001>", { user: CAROL, channel: channelId });
    await h.command("status identified", { user: CAROL, channel: channelId });
    await h.deliver();
    expect(h.slack.callsTo("chat.postMessage").length).toBe(posts); // edits, not new cards
    const updates = h.slack.callsTo("chat.update");
    expect(updates.length).toBeGreaterThanOrEqual(1);
    expect(updates.every((c) => c.args.ts === cardTs && c.args.channel === channelId)).toBe(true);
    const card = h.slack.messages(channelId).find((m) => m.ts === cardTs)!;
    const text = blocksText(card.blocks);
    expect(text).toContain("SEV2");
    expect(text).toContain("Identified");
    expect(text).toContain("<@U0CAROL003>");
    expect(h.slack.channel(channelId)!.members).toContain(CAROL);
  });

  it("posts status updates to the incident channel and the announce channel", async () => {
    const reply = await h.command("update Rolled back deploy 1234; error rate <1% & falling", { user: CAROL, channel: channelId });
    expect(reply.response_type).toBe("ephemeral");
    await h.deliver();
    const inChannel = h.slack.messages(channelId).filter((m) => m.text.includes("Rolled back deploy 1234"));
    expect(inChannel.length).toBe(1);
    expect(inChannel[0].text).toContain("error rate &lt;1% &amp; falling");
    const announced = h.slack.messages(h.announce).filter((m) => m.text.includes("Rolled back deploy 1234"));
    expect(announced.length).toBe(1);
  });

  it("refuses a forbidden transition with the allowed ones, writing nothing", async () => {
    const before = await h.t.db.timelineEvent.count();
    const reply = await h.command("close", { user: CAROL, channel: channelId });
    expect(reply.response_type).toBe("ephemeral");
    expect(reply.text).toMatch(/Resolve the incident before closing it.*investigating, monitoring, resolved/);
    expect(await h.t.db.timelineEvent.count()).toBe(before);
  });

  it("resolves via the card's button, once even when clicked twice", async () => {
    const card = h.slack.messages(channelId).find((m) => m.ts === cardTs)!;
    const actions = card.blocks!.find((b: any) => b.type === "actions") as any;
    const resolve = actions.elements.find((e: any) => e.action_id === "incident_status:resolved");
    expect(resolve).toBeDefined();
    expect(await h.click({ user: CAROL, channel: channelId, actionId: resolve.action_id, value: resolve.value, messageTs: cardTs })).toBe(200);
    expect(await h.click({ user: CAROL, channel: channelId, actionId: resolve.action_id, value: resolve.value, messageTs: cardTs })).toBe(200);
    await h.deliver();
    const incident = await h.bot.incidents.byNumber(1);
    expect(incident!.status).toBe("resolved");
    const timeline = await h.bot.incidents.timeline(incident!.id);
    expect(timeline.filter((e) => e.data.kind === "status_changed" && e.data.to === "resolved").length).toBe(1);
    expect(h.slack.callsTo("chat.postEphemeral").length).toBe(0);
    expect(h.slack.messages(h.announce).filter((m) => m.text.includes("resolved")).length).toBe(1);
  });

  it("closes, and the timeline tells the whole story", async () => {
    await h.command("close", { user: CAROL, channel: channelId });
    const reply = await h.command("timeline", { user: ALICE, channel: channelId });
    expect(reply.response_type).toBe("ephemeral");
    for (const part of ["declared SEV1", "commander <@U0BOB00002> → <@U0CAROL003>", "severity SEV1 → SEV2", "scribe <@U0ALICE001>", "status investigating → identified", "status update: Rolled back", "status identified → resolved", "status resolved → closed"]) {
      expect(reply.text).toContain(part);
    }
    await h.deliver();
    h.clock.advance(1_000); // the card is edited at most once a second
    await h.deliver();
    const card = h.slack.messages(channelId).find((m) => m.ts === cardTs)!;
    expect(blocksText(card.blocks)).toContain("Closed");
    expect(card.blocks!.some((b: any) => b.type === "actions")).toBe(false);
    const late = await h.command("sev 1", { user: CAROL, channel: channelId });
    expect(late.text).toMatch(/closed is final/);
  });

  it("lists open incidents and asks which one outside an incident channel", async () => {
    await h.command("declare Search is slow sev3", { user: BOB });
    await h.deliver();
    const list = await h.command("list", { user: ALICE });
    expect(list.text).toContain("INC-2");
    expect(list.text).not.toContain("INC-1");
    const which = await h.command("sev 1", { user: ALICE });
    expect(which.text).toMatch(/not an incident channel.*INC-2 \(Search is slow/);
    const named = await h.command("sev 1 INC-2", { user: BOB }); // its commander
    expect(named.text).toContain("INC-2: severity SEV3 → SEV1");
  });
});
