// A busy incident edits its card once per burst, not once per change: Slack rate-limits
// chat.update, and a queue of stale edits would show the past for minutes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALICE, startHarness, type Harness } from "../support/bot.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  h.slack.assertNoUnexpectedCalls();
  await h.stop();
});

describe("a burst of changes", () => {
  it("20 changes within 2 s make at most 3 card edits, the last showing the final state; a quiet change edits at once", async () => {
    const reply = await h.command("declare Queue is backing up sev3", { user: ALICE });
    const number = Number(/INC-(\d+)/.exec(reply.text)![1]);
    await h.deliver();
    const incident = (await h.bot.incidents.byNumber(number))!;
    const channel = incident.channelId!;
    const edits = () => h.slack.callsTo("chat.update").filter((c) => c.args.channel === channel);

    // 20 changes, 100 ms apart, the outbox delivering all along (as it does, after each commit)
    const severities = ["sev 1", "sev 2", "sev 3", "sev 4"];
    for (let i = 0; i < 20; i++) {
      const change = i === 19 ? "status monitoring" : severities[i % 4];
      const answer = await h.command(change, { user: ALICE, channel });
      expect(answer.text).not.toMatch(/went wrong/);
      await h.deliver();
      h.clock.advance(100);
    }
    h.clock.advance(1_000);
    await h.deliver();

    const burst = edits();
    expect(burst.length).toBeGreaterThanOrEqual(1);
    expect(burst.length).toBeLessThanOrEqual(3);
    // the last edit shows the incident as it ended: SEV3 (the 19th change), monitoring (the 20th)
    const last = JSON.stringify(burst.at(-1)!.args.blocks);
    expect(last).toContain("SEV3");
    expect(last).toContain("Monitoring");
    const row = (await h.bot.incidents.byNumber(number))!;
    expect(row.severity).toBe("SEV3");
    expect(row.status).toBe("monitoring");
    // every change is on the timeline, though the card was edited only a few times
    const timeline = await h.bot.incidents.timeline(incident.id);
    expect(timeline.filter((e) => e.data.kind === "severity_changed").length).toBe(19);

    // after a quiet second, one more change edits the card at once
    h.clock.advance(2_000);
    await h.command("sev 2", { user: ALICE, channel });
    await h.deliver();
    expect(edits().length).toBe(burst.length + 1);
    expect(JSON.stringify(edits().at(-1)!.args.blocks)).toContain("SEV2");
  });
});
