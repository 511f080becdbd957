// The outbox dispatcher: delivers the writes that transactions recorded, after they committed.
//
// - A message is claimed with FOR UPDATE SKIP LOCKED inside a transaction that stays open while it
//   is delivered, so two bot processes never send the same message; the handler's own writes
//   (say, the new channel's id) commit together with "sent".
// - Messages of one incident go out in the order they were recorded (the card is posted before
//   it is pinned or edited): a message waits while an earlier one of its incident is pending.
// - Transient failures (429 with Retry-After, 5xx, network) are retried with back-off, for as long
//   as Slack is down. Errors that cannot succeed (channel_not_found, not_in_channel,
//   missing_scope…) are marked failed, logged and reported, never retried for ever.
import type { Clock } from "../clock.ts";
import type { Db, Prisma } from "../db/client.ts";
import type { Logger } from "../log.ts";
import type { Tx } from "./outbox-store.ts";

export interface OutboxMessage {
  id: bigint;
  idempotencyKey: string;
  kind: string;
  incidentId: number | null;
  payload: Record<string, unknown>;
  attempts: number;
}

export interface DeliveryContext {
  tx: Tx;
  message: OutboxMessage;
  now: Date;
}

export type Handler = (ctx: DeliveryContext) => Promise<Record<string, unknown> | void>;

/** Thrown by a handler for an error that retrying cannot fix. */
export class PermanentFailure extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

/** Thrown by a handler to be tried again later (after `retryAfterSeconds` when known). */
export class TransientFailure extends Error {
  constructor(
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

export type FailureReporter = (tx: Tx, message: OutboxMessage, error: PermanentFailure, now: Date) => Promise<void>;

export interface OutboxOptions {
  db: Db;
  clock: Clock;
  handlers: Record<string, Handler>;
  log: Logger;
  /** Turns any other error thrown by a handler into a permanent or transient failure. */
  classify?: (err: unknown) => PermanentFailure | TransientFailure;
  onPermanentFailure?: FailureReporter;
  maxBackoffSeconds?: number;
  /** A message still failing after this many attempts (transient errors) is given up. */
  maxAttempts?: number;
}

export function backoffSeconds(attempts: number, max: number): number {
  return Math.min(max, 2 ** Math.max(0, attempts - 1));
}

export class Outbox {
  private timer: NodeJS.Timeout | null = null;
  private draining: Promise<number> | null = null;
  private again = false;
  private stopped = false;

  constructor(private readonly opts: OutboxOptions) {}

  /**
   * Claims and delivers one due message. Returns false when nothing was due.
   */
  async deliverOne(): Promise<boolean> {
    const now = this.opts.clock.now();
    const { db, handlers, log } = this.opts;
    return db.$transaction(
      async (tx) => {
        const rows = await tx.$queryRaw<
          { id: bigint; idempotency_key: string; kind: string; incident_id: number | null; payload: Prisma.JsonValue; attempts: number }[]
        >`SELECT o.id, o.idempotency_key, o.kind, o.incident_id, o.payload, o.attempts
            FROM outbox_message o
           WHERE o.state = 'pending' AND o.next_attempt_at <= ${now}
             AND NOT EXISTS (SELECT 1 FROM outbox_message e
                              WHERE e.incident_id = o.incident_id AND e.state = 'pending' AND e.id < o.id)
           ORDER BY o.next_attempt_at, o.id
           LIMIT 1
           FOR UPDATE OF o SKIP LOCKED`;
        if (rows.length === 0) return false;
        const r = rows[0];
        const message: OutboxMessage = {
          id: r.id,
          idempotencyKey: r.idempotency_key,
          kind: r.kind,
          incidentId: r.incident_id,
          payload: (r.payload ?? {}) as Record<string, unknown>,
          attempts: r.attempts + 1,
        };
        const handler = handlers[message.kind];
        try {
          if (!handler) throw new PermanentFailure(`no handler for outbox messages of kind ${message.kind}`, "no_handler");
          const result = await handler({ tx, message, now });
          await tx.outboxMessage.update({
            where: { id: message.id },
            data: { state: "sent", sentAt: now, attempts: message.attempts, lastError: null, result: (result ?? undefined) as Prisma.InputJsonValue | undefined },
          });
        } catch (err) {
          const failure = err instanceof PermanentFailure || err instanceof TransientFailure ? err : this.classify(err);
          const maxAttempts = this.opts.maxAttempts ?? 1000;
          if (failure instanceof TransientFailure && message.attempts < maxAttempts) {
            const delay = failure.retryAfterSeconds ?? backoffSeconds(message.attempts, this.opts.maxBackoffSeconds ?? 60);
            log.warn(`outbox: ${message.kind} ${message.idempotencyKey} failed (attempt ${message.attempts}), retrying in ${delay}s: ${failure.message}`);
            await tx.outboxMessage.update({
              where: { id: message.id },
              data: { attempts: message.attempts, lastError: failure.message, nextAttemptAt: new Date(now.getTime() + delay * 1000) },
            });
          } else {
            const permanent = failure instanceof PermanentFailure ? failure : new PermanentFailure(`gave up after ${message.attempts} attempts: ${failure.message}`, "gave_up");
            log.error(`outbox: ${message.kind} ${message.idempotencyKey} failed for good: ${permanent.message}`);
            await tx.outboxMessage.update({ where: { id: message.id }, data: { state: "failed", attempts: message.attempts, lastError: permanent.message } });
            await this.opts.onPermanentFailure?.(tx, message, permanent, now);
          }
        }
        return true;
      },
      { timeout: 60_000, maxWait: 10_000 },
    );
  }

  private classify(err: unknown): PermanentFailure | TransientFailure {
    if (this.opts.classify) return this.opts.classify(err);
    return new TransientFailure(err instanceof Error ? err.message : String(err));
  }

  /** Delivers everything due now, one message after another. Returns how many were handled. */
  async drain(limit = 10_000): Promise<number> {
    let handled = 0;
    while (handled < limit && !this.stopped && (await this.deliverOne())) handled++;
    return handled;
  }

  /** Asks for a drain soon (after a commit); drains never overlap within a process. */
  kick(): void {
    if (this.stopped) return;
    if (this.draining) {
      this.again = true;
      return;
    }
    this.draining = this.drain()
      .catch((err) => {
        this.opts.log.error(`outbox: drain failed: ${(err as Error).message}`);
        return 0;
      })
      .finally(() => {
        this.draining = null;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  /** Waits for the drain in progress, if any (for tests and shutdown). */
  async idle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  start(intervalMs = 1000): void {
    this.stopped = false;
    this.timer = setInterval(() => this.kick(), intervalMs);
    this.timer.unref();
    this.kick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.idle();
  }
}
