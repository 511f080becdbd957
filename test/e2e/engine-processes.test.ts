// The engine across processes and replicas, on real time: a bot process killed mid-delivery, two
// replicas whose clocks disagree by 30 seconds, and the outbox command line.
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Clock } from "../../src/clock.ts";
import { DatabaseClock } from "../../src/db/clock.ts";
import { enqueue } from "../../src/db/outbox.ts";
import { ALICE, applyRotaText, BOB, postCommand, SIGNING_SECRET, startBot, startStandIn, TOKEN } from "../support/bot.ts";
import { freshDatabase } from "../support/db.ts";
import { policy, rotaFile } from "../fixtures/rotas.ts";
import { freePort, runCli, startCli, until } from "../support/process.ts";

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

describe("a bot process killed during a delivery", () => {
  it("repeats at most that one message, and only after its lease has expired", async () => {
    const t = await freshDatabase();
    cleanups.push(() => t.drop());
    const { slack, apiUrl, announce, general } = await startStandIn();
    cleanups.push(() => slack.stop());
    const cwd = mkdtempSync(path.join(os.tmpdir(), "bot-cwd-"));
    const env = (port: number) => ({
      DATABASE_URL: t.url,
      SLACK_BOT_TOKEN: TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: apiUrl,
      PORT: String(port),
      INCIDENT_ANNOUNCE_CHANNEL: announce,
      OUTBOX_LEASE_SECONDS: "6",
      ENGINE_TICK_SECONDS: "1",
    });
    const port1 = await freePort();
    const first = startCli(["serve"], env(port1), cwd);
    cleanups.push(async () => void first.child.kill("SIGKILL"));
    await until("the first bot", async () => ((await fetch(`http://127.0.0.1:${port1}/healthz`)).ok ? true : undefined), first.output);

    // The card is posted by Slack, and the bot dies before it hears so.
    let killedAt = 0;
    slack.on("call", (call: { method: string; args: Record<string, unknown> }) => {
      if (!killedAt && call.method === "chat.postMessage" && call.args.blocks && String(call.args.channel).startsWith("C") && call.args.channel !== announce) {
        first.child.kill("SIGKILL");
        killedAt = Date.now();
      }
    });
    const declared = await postCommand(`http://127.0.0.1:${port1}/slack/events`, slack, "declare Killed mid-post sev2", { channel: general });
    expect(declared.text).toContain("INC-1");
    await first.exited;
    expect(killedAt).toBeGreaterThan(0);

    const port2 = await freePort();
    const second = startCli(["serve"], env(port2), cwd);
    cleanups.push(async () => void second.child.kill("SIGKILL"));
    const channel = slack.channel("inc-1-killed-mid-post")!;
    await until("the pin", async () => slack.messages(channel.id).find((m) => m.pinned), second.output, 30_000);
    await until("the announcement", async () => slack.messages(announce).find((m) => m.text.includes("INC-1 declared")), second.output, 30_000);

    const cards = slack.callsTo("chat.postMessage").filter((c) => c.args.channel === channel.id && c.args.blocks);
    expect(cards.length).toBe(2); // the one message that was in flight, and only it
    expect(cards[1].at.getTime() - killedAt).toBeGreaterThanOrEqual(6_000 - 1_500); // not before the lease (taken just before the call) expired
    expect(slack.callsTo("conversations.create").length).toBe(1);
    expect(slack.callsTo("conversations.invite").length).toBe(1);
    expect(slack.callsTo("pins.add").length).toBe(1);
    expect(slack.messages(announce).filter((m) => m.text.includes("INC-1 declared")).length).toBe(1);
    second.child.kill("SIGTERM");
    expect(await second.exited).toBe(0);
  }, 60_000);
});

describe("two replicas whose clocks are 30 seconds apart", () => {
  it("take each due step once, on time by the database's clock", async () => {
    const t = await freshDatabase();
    cleanups.push(() => t.drop());
    await applyRotaText(t.db, rotaFile({ policies: [policy("quick", [[["user:U0ALICE001"], "3s"], [["user:U0BOB00002"], "1h"]])], services: { fast: "quick" } }));
    const { slack, apiUrl, announce, general } = await startStandIn();
    cleanups.push(() => slack.stop());
    const skewed = (ms: number): Clock => ({ now: () => new Date(Date.now() + ms) });
    const replicas = await Promise.all(
      [15_000, -15_000].map(async (skew) => {
        const db = t.connect();
        return startBot({ db, clock: new DatabaseClock(db, skewed(skew)), apiUrl, announce, engine: true, outboxIntervalMs: 500 });
      }),
    );
    cleanups.push(async () => void (await Promise.all(replicas.map((r) => r.bot.stop()))));

    const numbers: number[] = [];
    for (let i = 0; i < 4; i++) {
      const replica = replicas[i % 2];
      const res = await postCommand(replica.url, slack, `declare Replicated ${i} sev1 service:fast`, { channel: general });
      numbers.push(Number(/INC-(\d+)/.exec(res.text)?.[1]));
    }
    const dmsTo = (user: string, n: number) => slack.callsTo("chat.postMessage").filter((c) => c.args.channel === user && String(c.args.text).includes(`INC-${n} `) && (c.response as { ok: boolean }).ok);
    await until("every second-level page", async () => (numbers.every((n) => dmsTo(BOB, n).length > 0) ? true : undefined), () => "", 15_000);
    await new Promise((r) => setTimeout(r, 1_500)); // time for a double to show up

    for (const n of numbers) {
      expect(dmsTo(ALICE, n).length, `INC-${n}`).toBe(1);
      expect(dmsTo(BOB, n).length, `INC-${n}`).toBe(1);
      const incident = (await t.db.incident.findUniqueOrThrow({ where: { number: n } }))!;
      const due = incident.declaredAt.getTime() + 3_000;
      const escalated = await t.db.timelineEvent.findFirstOrThrow({ where: { incidentId: incident.id, kind: "escalated" } });
      // by the database's clock: never early, and within a second
      expect(escalated.occurredAt.getTime() - due, `INC-${n}`).toBeGreaterThanOrEqual(0);
      expect(escalated.occurredAt.getTime() - due, `INC-${n}`).toBeLessThan(1_000);
      // and at Slack (whose clock is this machine's, as PostgreSQL's is)
      expect(dmsTo(BOB, n)[0].at.getTime() - due, `INC-${n}`).toBeLessThan(1_000);
    }
  }, 60_000);
});

describe("incident-bot outbox", () => {
  it("lists failed messages and puts them back, one or all", async () => {
    const t = await freshDatabase();
    cleanups.push(() => t.drop());
    const now = new Date();
    await t.db.$transaction((tx) =>
      enqueue(
        tx,
        [
          { key: "failed-1", kind: "slack.post", payload: { channel: "C1", text: "one" } },
          { key: "failed-2", kind: "page.notify", payload: {} },
          { key: "sent-1", kind: "slack.post", payload: {} },
        ],
        now,
      ),
    );
    await t.db.outboxMessage.updateMany({ where: { idempotencyKey: { startsWith: "failed" } }, data: { state: "failed", attempts: 3, lastError: "Slack answered channel_not_found" } });
    await t.db.outboxMessage.updateMany({ where: { idempotencyKey: "sent-1" }, data: { state: "sent", sentAt: now } });
    const cwd = mkdtempSync(path.join(os.tmpdir(), "bot-cwd-"));
    const env = { DATABASE_URL: t.url };

    const list = await runCli(["outbox", "list", "--failed"], env, cwd);
    expect(list.code).toBe(0);
    const lines = list.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^id\s+lane\s+kind\s+state\s+attempts\s+incident\s+next attempt\s+last error$/);
    expect(lines.length).toBe(3);
    expect(list.stdout).toContain("page.notify");
    expect(list.stdout).toContain("Slack answered channel_not_found");

    const failed = await t.db.outboxMessage.findMany({ where: { state: "failed" }, orderBy: { id: "asc" } });
    const one = await runCli(["outbox", "retry", String(failed[0].id)], env, cwd);
    expect(one.code).toBe(0);
    expect(await t.db.outboxMessage.findUniqueOrThrow({ where: { id: failed[0].id } })).toMatchObject({ state: "pending", attempts: 0 });
    const again = await runCli(["outbox", "retry", String(failed[0].id)], env, cwd);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("is pending, not failed");

    const all = await runCli(["outbox", "retry", "--failed"], env, cwd);
    expect(all.code).toBe(0);
    expect(all.stdout).toContain("Queued 1 failed message(s) again");
    expect(await t.db.outboxMessage.count({ where: { state: "failed" } })).toBe(0);
    const none = await runCli(["outbox", "list", "--failed"], env, cwd);
    expect(none.stdout.trim()).toBe("No failed messages.");
    const bad = await runCli(["outbox", "retry", "abc"], env, cwd);
    expect(bad.code).toBe(2);
  }, 60_000);
});
