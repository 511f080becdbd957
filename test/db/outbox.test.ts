// The outbox on real PostgreSQL: two dispatchers (as two bot processes would run) deliver each
// message exactly once, in order per incident; back-off and give-up rules.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/clock.ts";
import { enqueue } from "../../src/db/outbox.ts";
import { backoffSeconds, Outbox, PermanentFailure, TransientFailure, type Handler } from "../../src/engine/outbox.ts";
import { memoryLogger } from "../../src/log.ts";
import { freshDatabase, type TestDatabase } from "../support/db.ts";

let t: TestDatabase;
const clock = new ManualClock("2026-05-01T00:00:00Z");
beforeAll(async () => {
  t = await freshDatabase();
});
afterAll(async () => t.drop());

async function incident(n: number) {
  return t.db.incident.create({
    data: { number: n, title: `t${n}`, severity: "SEV3", status: "investigating", commanderId: "U1", channelName: `inc-${n}`, declaredById: "U1", declaredAt: clock.now() },
  });
}

describe("outbox", () => {
  beforeEach(async () => {
    // each test starts with nothing pending
    await t.db.outboxMessage.updateMany({ where: { state: "pending" }, data: { state: "sent" } });
  });

  it("two dispatchers on separate connections deliver every message once, in order per incident", async () => {
    const incidents = await Promise.all([1, 2, 3, 4].map(incident));
    await t.db.$transaction((tx) =>
      enqueue(
        tx,
        incidents.flatMap((i) => Array.from({ length: 15 }, (_, k) => ({ key: `i${i.id}:m${k}`, kind: "record", incidentId: i.id, payload: { k } }))),
        clock.now(),
      ),
    );
    const delivered: { incidentId: number | null; k: number; by: string }[] = [];
    const handler =
      (by: string): Handler =>
      async ({ message }) => {
        await new Promise((r) => setImmediate(r)); // let the other dispatcher interleave
        delivered.push({ incidentId: message.incidentId, k: Number(message.payload.k), by });
      };
    // one message at a time each, so that both take turns
    const lanes = { channel: { concurrency: 1 } };
    const a = new Outbox({ db: t.db, clock, log: memoryLogger(), handlers: { record: handler("a") }, lanes });
    const b = new Outbox({ db: t.connect(), clock, log: memoryLogger(), handlers: { record: handler("b") }, lanes });
    const [na, nb] = await Promise.all([a.drain(), b.drain()]);
    expect(na + nb).toBe(60);
    expect(delivered.length).toBe(60);
    for (const i of incidents) {
      const ks = delivered.filter((d) => d.incidentId === i.id).map((d) => d.k);
      expect(ks).toEqual(Array.from({ length: 15 }, (_, k) => k));
    }
    expect(new Set(delivered.map((d) => d.by)).size).toBe(2);
  });

  it("card edits coalesce: one waits at a time, at most one a second goes out, and none holds back later messages", async () => {
    const i = await incident(90);
    const edit = (v: number) => t.db.$transaction((tx) => enqueue(tx, [{ key: `card:${i.id}:v${v}`, kind: "incident.update_card", incidentId: i.id }], clock.now()));
    const sent: string[] = [];
    const record: Handler = async ({ message }) => void sent.push(message.kind === "record" ? String(message.payload.k) : "card");
    const box = new Outbox({ db: t.db, clock, log: memoryLogger(), handlers: { record, "incident.update_card": record } });
    // a burst: 20 edits over 2 s, delivered as they come
    for (let v = 1; v <= 20; v++) {
      await edit(v);
      if (v === 5) await t.db.$transaction((tx) => enqueue(tx, [{ key: `post:${i.id}`, kind: "record", incidentId: i.id, payload: { k: "post" } }], clock.now()));
      await box.drain();
      // the post went out at once, ahead of the card edit waiting its turn
      if (v === 5) expect(sent).toContain("post");
      clock.advance(100);
    }
    expect(await t.db.outboxMessage.count({ where: { incidentId: i.id, kind: "incident.update_card" } })).toBeLessThanOrEqual(3);
    clock.advance(1_000);
    await box.drain();
    // the first at once, then one per second at most: 20 edits in 2 s are at most 3
    expect(sent.filter((s) => s === "card").length).toBeLessThanOrEqual(3);
    expect(sent.filter((s) => s === "card").length).toBeGreaterThanOrEqual(2);
    expect(await t.db.outboxMessage.count({ where: { incidentId: i.id, state: "pending" } })).toBe(0);
    // the last edit went out after the last change: it rendered the final state
    const last = await t.db.outboxMessage.findFirst({ where: { incidentId: i.id, kind: "incident.update_card" }, orderBy: { id: "desc" } });
    expect(last!.sentAt!.getTime()).toBeGreaterThan(clock.now().getTime() - 1_001);
  });

  it("the same key recorded twice is one message", async () => {
    const i = await incident(10);
    for (let n = 0; n < 3; n++) await t.db.$transaction((tx) => enqueue(tx, [{ key: "once", kind: "record", incidentId: i.id }], clock.now()));
    expect(await t.db.outboxMessage.count({ where: { idempotencyKey: "once" } })).toBe(1);
  });

  it("retries transient failures with back-off and holds later messages of the incident back", async () => {
    const i = await incident(20);
    await t.db.$transaction((tx) => enqueue(tx, [{ key: "flaky", kind: "flaky", incidentId: i.id }, { key: "after-flaky", kind: "record", incidentId: i.id }], clock.now()));
    let failures = 3;
    const seen: string[] = [];
    const box = new Outbox({
      db: t.db,
      clock,
      log: memoryLogger(),
      handlers: {
        flaky: async () => {
          seen.push("flaky");
          if (failures-- > 0) throw new TransientFailure("503");
        },
        record: async ({ message }) => void seen.push(message.idempotencyKey),
      },
    });
    await box.drain();
    expect(seen).toEqual(["flaky"]);
    clock.advance(backoffSeconds(1, 60) * 1000);
    await box.drain();
    clock.advance(backoffSeconds(2, 60) * 1000);
    await box.drain();
    clock.advance(backoffSeconds(3, 60) * 1000);
    await box.drain();
    expect(seen).toEqual(["flaky", "flaky", "flaky", "flaky", "after-flaky"]);
    const row = await t.db.outboxMessage.findUniqueOrThrow({ where: { idempotencyKey: "flaky" } });
    expect(row).toMatchObject({ state: "sent", attempts: 4 });
  });

  it("marks a permanent failure failed, reports it once, and moves on", async () => {
    const i = await incident(30);
    await t.db.$transaction((tx) => enqueue(tx, [{ key: "doomed", kind: "doomed", incidentId: i.id }, { key: "after-doomed", kind: "record", incidentId: i.id }], clock.now()));
    const reports: string[] = [];
    const sent: string[] = [];
    const box = new Outbox({
      db: t.db,
      clock,
      log: memoryLogger(),
      handlers: {
        doomed: async () => {
          throw new PermanentFailure("Slack answered channel_not_found", "channel_not_found");
        },
        record: async ({ message }) => void sent.push(message.idempotencyKey),
      },
      onPermanentFailure: async (_tx, m, err) => void reports.push(`${m.idempotencyKey}:${err.code}`),
    });
    await box.drain();
    clock.advance(86_400_000);
    await box.drain();
    expect(reports).toEqual(["doomed:channel_not_found"]);
    expect(sent).toEqual(["after-doomed"]);
    expect((await t.db.outboxMessage.findUniqueOrThrow({ where: { idempotencyKey: "doomed" } })).state).toBe("failed");
  });
});

describe("outbox leases and lanes", () => {
  beforeEach(async () => {
    await t.db.outboxMessage.updateMany({ where: { state: "pending" }, data: { state: "sent" } });
  });

  it("a handler slower than its lease blocks nothing behind it, is not run twice while it runs, and its attempt and error are recorded", async () => {
    const i = await incident(40);
    await t.db.$transaction((tx) =>
      enqueue(
        tx,
        [
          { key: "slow-export", kind: "postmortem.export", incidentId: null },
          { key: "slow-card", kind: "slow", incidentId: i.id },
          { key: "page-behind", kind: "page.notify", incidentId: null },
          { key: "other-incident", kind: "record", incidentId: null },
        ],
        clock.now(),
      ),
    );
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const runs: string[] = [];
    const slow: Handler = async ({ message }) => {
      runs.push(message.idempotencyKey);
      await released; // ignores its timeout, as a wedged git push would
    };
    const box = new Outbox({
      db: t.db,
      clock,
      log: memoryLogger(),
      handlers: { "postmortem.export": slow, slow, "page.notify": async ({ message }) => void runs.push(message.idempotencyKey), record: async ({ message }) => void runs.push(message.idempotencyKey) },
      // timeouts are real milliseconds; leases are on the clock the test moves
      lanes: { exports: { timeoutMs: 200, leaseSeconds: 60 }, channel: { timeoutMs: 200, leaseSeconds: 60 } },
    });
    const started = Date.now();
    await box.drain();
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(runs.sort()).toEqual(["other-incident", "page-behind", "slow-card", "slow-export"]);
    for (const key of ["slow-export", "slow-card"]) {
      const row = await t.db.outboxMessage.findUniqueOrThrow({ where: { idempotencyKey: key } });
      expect(row).toMatchObject({ state: "pending", attempts: 1, lockedUntil: null });
      expect(row.lastError).toMatch(/timed out/);
      // not again before its lease would have ended
      expect(row.nextAttemptAt.getTime()).toBeGreaterThanOrEqual(clock.now().getTime() + 60_000);
    }
    for (const key of ["page-behind", "other-incident"]) expect((await t.db.outboxMessage.findUniqueOrThrow({ where: { idempotencyKey: key } })).state).toBe("sent");

    clock.advance(30_000);
    await box.drain();
    clock.advance(31_000); // the lease has ended, but this process still runs the first call
    await box.drain();
    expect(runs.filter((k) => k.startsWith("slow")).length).toBe(2);
    release();
    await new Promise((r) => setTimeout(r, 10));
    await box.drain();
    expect(runs.filter((k) => k === "slow-card").length).toBe(2);
    expect(await t.db.outboxMessage.findUniqueOrThrow({ where: { idempotencyKey: "slow-card" } })).toMatchObject({ state: "sent", attempts: 2 });
  });
});
