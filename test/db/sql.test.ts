// Transactions in SQL (the command path's): the same values back as Prisma's raw queries, all or
// nothing, the commit listeners told only of what committed, and the connection given back.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { poolOf } from "../../src/db/client.ts";
import { inSqlTransaction } from "../../src/db/sql.ts";
import { onCommit, type Wake } from "../../src/db/tx.ts";
import { enqueue } from "../../src/db/outbox.ts";
import { freshDatabase, type TestDatabase } from "../support/db.ts";

let t: TestDatabase;
beforeAll(async () => {
  t = await freshDatabase();
  await t.db.incident.create({
    data: { number: 1, title: "t", severity: "SEV2", status: "investigating", commanderId: "U1", channelName: "inc-1", declaredById: "U1", declaredAt: new Date("2026-03-01T10:00:00Z") },
  });
});
afterAll(async () => t.drop());

describe("a transaction in SQL", () => {
  it("returns what Prisma's raw queries return: bigints, instants, JSON, numbers, text, booleans, nulls", async () => {
    const query = (tx: { $queryRaw: (q: TemplateStringsArray, ...v: unknown[]) => Promise<unknown> }) =>
      tx.$queryRaw`SELECT 9007199254740993::int8 AS big, ARRAY[1, 2]::int8[] AS bigs, ${new Date("2026-03-01T10:00:00.123Z")}::timestamptz AS at,
                          '{"a": [1, "x"]}'::jsonb AS doc, 42::int4 AS n, ${"text"}::text AS s, true AS yes, NULL::text AS nothing, severity::text AS severity
                     FROM incident WHERE number = ${1}`;
    const ours = await inSqlTransaction(t.db, (tx) => query(tx));
    const prismas = await t.db.$transaction((tx) => query(tx));
    expect(ours).toEqual(prismas);
    expect(ours).toEqual([{ big: 9007199254740993n, bigs: [1n, 2n], at: new Date("2026-03-01T10:00:00.123Z"), doc: { a: [1, "x"] }, n: 42, s: "text", yes: true, nothing: null, severity: "SEV2" }]);
  });

  it("is all or nothing: a failure rolls back every statement, and no listener hears of it", async () => {
    const heard: Wake[][] = [];
    const stop = onCommit(t.db, (w) => void heard.push([...w]));
    try {
      const before = await t.db.outboxMessage.count();
      await expect(
        inSqlTransaction(t.db, async (tx) => {
          await enqueue(tx, [{ key: "sql:rolled-back", kind: "incident.post", incidentId: 1 }], new Date());
          await tx.$executeRaw`INSERT INTO timeline_event (incident_id, kind, actor_id, occurred_at, data) VALUES (1, 'note', 'U1', now(), '{}')`;
          await tx.$executeRaw`SELECT 1 / 0`;
        }),
      ).rejects.toThrow(/division by zero/);
      expect(await t.db.outboxMessage.count()).toBe(before);
      expect(await t.db.timelineEvent.count()).toBe(0);
      expect(heard).toEqual([]);

      await inSqlTransaction(t.db, (tx) => enqueue(tx, [{ key: "sql:committed", kind: "incident.post", incidentId: 1 }], new Date()));
      expect(await t.db.outboxMessage.count({ where: { idempotencyKey: "sql:committed" } })).toBe(1);
      expect(heard).toEqual([["channel"]]);
    } finally {
      stop();
    }
  });

  it("gives its connection back, after a commit and after a failure", async () => {
    const pool = poolOf(t.db)!;
    for (let i = 0; i < 20; i++) {
      await inSqlTransaction(t.db, (tx) => tx.$queryRaw`SELECT 1`);
      await inSqlTransaction(t.db, (tx) => tx.$queryRaw`SELECT nope`).catch(() => undefined);
    }
    expect(pool.waitingCount).toBe(0);
    expect(pool.totalCount - pool.idleCount).toBe(0);
    expect(pool.totalCount).toBeLessThanOrEqual(5);
  });
});
