// Recording Slack (and wiki) writes in the transaction that causes them. Delivery is in
// engine/outbox.ts, after the commit.
import type { Prisma } from "../db/client.ts";

export type Tx = Prisma.TransactionClient;

export interface OutboxEntry {
  /** Unique per message: the same key twice is the same message, sent once. */
  key: string;
  kind: string;
  incidentId?: number | null;
  payload?: Record<string, unknown>;
}

export async function enqueue(tx: Tx, entries: OutboxEntry[], now: Date): Promise<void> {
  if (entries.length === 0) return;
  await tx.outboxMessage.createMany({
    data: entries.map((e) => ({
      idempotencyKey: e.key,
      kind: e.kind,
      incidentId: e.incidentId ?? null,
      payload: (e.payload ?? {}) as Prisma.InputJsonValue,
      nextAttemptAt: now,
      createdAt: now,
    })),
    skipDuplicates: true,
  });
}
