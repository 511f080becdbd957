// SLO error budgets end to end: a rota with an SLO, incidents on the service, the impact window
// edited from Slack, `/incident slo`, the postmortem's Impact section, and the announce channel told
// once per threshold per window; the clock moved by the test.
import { readFileSync } from "node:fs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { parseRotaFile } from "../../src/oncall/rota-file.ts";
import { renderPostmortem } from "../../src/postmortem/draft/index.ts";
import { postmortemInput } from "../../src/postmortem/service.ts";
import { SAMPLE_ROTA_PATH } from "../../src/local/sample.ts";
import { ALICE, BOB, startHarness, type Harness } from "../support/bot.ts";
import { policy, rotaFile, weeklySchedule } from "../fixtures/rotas.ts";

const ROTA =
  rotaFile({ schedules: [weeklySchedule("primary", "UTC", ["U0BOB00002"])], policies: [policy("platform", [[["schedule:primary"], "5m"]])], services: { search: "platform" } }) +
  "  checkout: { escalation_policy: platform, slo: { objective: 99.9, window: 30d, counts_from: sev2 } }\n";

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ rota: ROTA, engine: false });
});
afterEach(() => h.slack.assertNoUnexpectedCalls());
afterAll(async () => h.stop());

const MIN = 60_000;

async function declare(text: string): Promise<{ number: number; channelId: string; id: number }> {
  const reply = await h.command(text, { user: ALICE });
  const number = Number(/INC-(\d+)/.exec(reply.text)?.[1]);
  await h.deliver();
  const incident = (await h.bot.incidents.byNumber(number))!;
  return { number, channelId: incident.channelId!, id: incident.id };
}

describe("SLO error budgets", () => {
  it("the rota file's slo is validated with paths, and the sample rota gives checkout one", () => {
    const bad = parseRotaFile(ROTA.replace("objective: 99.9", "objective: 120").replace("window: 30d", "window: soon").replace("counts_from: sev2", "counts_from: high"));
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.errors).toContain("services.checkout.slo.objective: expected a percentage above 0 and below 100, like 99.9");
      expect(bad.errors).toContain("services.checkout.slo.window: expected a duration like 30d, 4w or 24h");
      expect(bad.errors).toContain("services.checkout.slo.counts_from: expected a severity: sev1, sev2, sev3 or sev4");
    }
    const sample = parseRotaFile(readFileSync(SAMPLE_ROTA_PATH, "utf8"));
    expect(sample.ok && sample.rota.services.find((s) => s.name === "checkout")?.slo).toEqual({ objective: 99.9, windowSeconds: 30 * 86_400, countsFrom: "SEV2" });
  });

  it("an incident spends its service's budget over its impact window; /incident slo and the postmortem say how much; thresholds are told once", async () => {
    h.clock.set("2026-03-10T10:00:00Z");
    const inc = await declare("declare Checkout failing sev2 service:checkout");
    // people say the impact began 5 minutes before the declaration
    const bad = await h.command("impact start 2026-03-10T10:30Z", { user: ALICE, channel: inc.channelId });
    expect(bad.text).toMatch(/is in the future/);
    const refused = await h.command("impact start 2026-03-10T09:55Z", { user: BOB, channel: inc.channelId });
    expect(refused.text).toMatch(/Only the incident commander/);
    const ok = await h.command("impact start 2026-03-10T09:55Z", { user: ALICE, channel: inc.channelId });
    expect(ok.text).toContain("impact started at 2026-03-10T09:55:00.000Z");
    h.clock.advance(16 * MIN); // 10:16: mitigated, so the impact lasted 21 minutes
    await h.command("status monitoring", { user: ALICE, channel: inc.channelId });
    const endBefore = await h.command("impact end 2026-03-10T09:50Z", { user: ALICE, channel: inc.channelId });
    expect(endBefore.text).toMatch(/cannot end at 2026-03-10T09:50:00.000Z, before that/);
    await h.deliver();

    const slo = await h.command("slo checkout", { user: BOB });
    expect(slo.text).toContain("SLO 99.9 % over a rolling 30d (SEV2 and higher spend budget)");
    expect(slo.text).toContain("Budget 43.2 min · spent 21 min · remaining 22.2 min (51.4 %)");
    expect(slo.text).toContain(`Spent by: INC-${inc.number} (21 min)`);
    expect((await h.command("slo search", { user: BOB })).text).toMatch(/`search` has no SLO/);
    expect((await h.command("slo nowhere", { user: BOB })).text).toMatch(/There is no service `nowhere`/);

    const md = renderPostmortem(await postmortemInput(h.bot.db, inc.id, h.clock.now()));
    expect(md).toContain("- **Error budget:** 21 min of checkout's 43.2 min budget, 49 %");

    // 51.4 % left: nothing announced; a second incident of 12 minutes takes it under 25 %
    const announced = () => h.slack.messages(h.announce).filter((m) => /error budget/.test(m.text));
    await h.bot.engine.tick();
    await h.deliver();
    expect(announced()).toEqual([]);
    const second = await declare("declare Checkout again sev1 service:checkout");
    h.clock.advance(12 * MIN);
    await h.command("resolve", { user: ALICE, channel: second.channelId });
    await h.bot.engine.tick();
    await h.deliver();
    expect(announced().map((m) => m.text)).toEqual([expect.stringContaining("*checkout* has less than 25 % of its error budget left: 10.2 min of 43.2 min remaining (23.6 %)")]);
    // later ticks say nothing again within the window (the announcement is claimed in the database)
    h.clock.advance(2 * MIN);
    await h.bot.engine.tick();
    await h.deliver();
    expect(announced().length).toBe(1);
    await h.command("resolve", { user: ALICE, channel: inc.channelId });
    await h.deliver();
  });
});
