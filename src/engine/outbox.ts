// The outbox dispatcher: delivers the writes that transactions recorded, after they committed.
//
// - Leases, not open transactions. A message is claimed in a short transaction that counts the
//   attempt, sets the next attempt (back-off) and takes a lease; Slack or the wiki is then called
//   outside any transaction, with a timeout shorter than the lease; the outcome (and the writes it
//   brings, such as the new channel's id) is recorded in a second short transaction. A slow call
//   holds nothing but its own lease.
// - A database blip never re-sends. An outcome that cannot be recorded because the database is
//   away is kept in memory and recorded as soon as it answers again, before this process claims
//   anything else. Only a process that dies mid-call can repeat that one message, once its lease
//   has expired.
// - Lanes (outbox-store.ts): pages, channel messages and exports are claimed and delivered
//   independently, each with its own concurrency; within a lane an incident's messages keep
//   their order (card edits, which show the incident as it is, hold back none after them).
// - Failures: a transient one (429 with Retry-After, 5xx, network, a timeout) is retried with
//   back-off for as long as it lasts; one that cannot succeed (channel_not_found, missing_scope…)
//   is marked failed and reported; Slack refusing the bot's token opens the auth circuit
//   (circuit.ts), which pauses the Slack lanes with every message kept pending.
import { randomBytes } from "node:crypto";
import os from "node:os";
import type { Clock } from "../clock.ts";
import type { Db } from "../db/client.ts";
import { inTransaction, ping, type Tx } from "../db/tx.ts";
import { incidentRef } from "../incidents/lifecycle.ts";
import type { Logger } from "../log.ts";
import type { Metrics } from "../metrics/index.ts";
import type { AuthCircuit } from "./circuit.ts";
import { LANES, type Lane } from "../db/outbox.ts";
import { claimDue, markFailed, markPaused, markRetry, markSent, type OutboxMessage } from "./store.ts";

export type { OutboxMessage } from "./store.ts";

/** Writes that go with an outcome, in the transaction that records it. */
export type RecordOutcome = (tx: Tx, now: Date) => Promise<void>;

export interface Delivery {
  message: OutboxMessage;
  /** For reads; the handler's writes go in `record`, after the call. */
  db: Db;
  now: Date;
  /** Aborted when the lane's timeout expires. */
  signal: AbortSignal;
  /** The log, its lines carrying the message's id, lane and kind, and its incident when it has one. */
  log: Logger;
}

export interface Delivered {
  /** Kept on the message, for looking back. */
  result?: Record<string, unknown>;
  record?: RecordOutcome;
}

export type Handler = (delivery: Delivery) => Promise<Delivered | void>;

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
    /** Writes to record with the failure (say, telling the channel that the wiki is down). */
    readonly record?: RecordOutcome,
  ) {
    super(message);
  }
}

/** A delivery that overran its lane's timeout: it may still be going, so it is not retried before its lease ends. */
class DeliveryTimeout extends TransientFailure {}

/** Slack refused the bot's token: nothing can be delivered to Slack until that is fixed. */
export class AuthFailure extends Error {
  constructor(readonly code: string) {
    super(`Slack refused the bot's token (${code})`);
  }
}

export type Failure = PermanentFailure | TransientFailure | AuthFailure;

export type FailureReporter = (tx: Tx, message: OutboxMessage, error: PermanentFailure, now: Date) => Promise<void>;

export interface LaneSettings {
  /** Messages of the lane delivered at once. */
  concurrency: number;
  /** How long one delivery may take; a slower one counts as a transient failure. */
  timeoutMs: number;
  /** How long a claim holds; longer than the timeout, so a live process always records first. */
  leaseSeconds: number;
  /** Paused while Slack refuses the token. */
  usesSlack: boolean;
}

export const DEFAULT_LEASE_SECONDS = 60;

/** Lane settings for a lease (the Slack lanes' timeout is half of it; exports get longer). */
export function laneSettings(leaseSeconds = DEFAULT_LEASE_SECONDS): Record<Lane, LaneSettings> {
  return {
    pages: { concurrency: 8, timeoutMs: (leaseSeconds * 1000) / 2, leaseSeconds, usesSlack: true },
    channel: { concurrency: 4, timeoutMs: (leaseSeconds * 1000) / 2, leaseSeconds, usesSlack: true },
    exports: { concurrency: 1, timeoutMs: 10 * 60_000, leaseSeconds: Math.max(leaseSeconds, 15 * 60), usesSlack: false },
  };
}

export interface OutboxOptions {
  db: Db;
  clock: Clock;
  handlers: Record<string, Handler>;
  log: Logger;
  /** Turns any other error thrown by a handler into a failure of one of the three kinds. */
  classify?: (err: unknown) => Failure;
  onPermanentFailure?: FailureReporter;
  /** Pauses the Slack lanes while Slack refuses the token. */
  circuit?: AuthCircuit;
  maxBackoffSeconds?: number;
  /** A message still failing after this many attempts (transient errors) is given up. */
  maxAttempts?: number;
  lanes?: Partial<Record<Lane, Partial<LaneSettings>>>;
  leaseSeconds?: number;
  /** Counts each delivery attempt by lane, kind and outcome. */
  metrics?: Metrics;
}

export function backoffSeconds(attempts: number, max: number): number {
  return Math.min(max, 2 ** Math.max(0, attempts - 1));
}

type Outcome =
  | { kind: "sent"; result?: Record<string, unknown>; record?: RecordOutcome }
  | { kind: "retry"; retryAt: Date; error: string; record?: RecordOutcome }
  | { kind: "failed"; failure: PermanentFailure }
  | { kind: "paused"; reason: string };

export interface OutboxStats {
  inFlight: Record<Lane, number>;
  /** Outcomes waiting in memory for the database. */
  unrecorded: number;
  /** Totals since start, by lane and outcome. */
  outcomes: Record<string, number>;
  /** Deliveries by kind and result ("ok", or the failure's code), since start. */
  deliveries: Map<string, number>;
}

export class Outbox {
  readonly worker = `${os.hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
  private readonly lanes: Record<Lane, LaneSettings>;
  private readonly inFlight = new Map<Lane, number>(LANES.map((l) => [l, 0]));
  private readonly claiming = new Map<Lane, Promise<void>>();
  private readonly again = new Set<Lane>();
  private readonly deliveries = new Set<Promise<void>>();
  private readonly unrecorded: { message: OutboxMessage; outcome: Outcome }[] = [];
  /** Handlers still running, by message id (one that overran its timeout included): never started twice. */
  private readonly running = new Set<bigint>();
  private flushing: Promise<boolean> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private lastDbComplaintAt = 0;
  private readonly counts = { outcomes: {} as Record<string, number>, deliveries: new Map<string, number>() };

  constructor(private readonly opts: OutboxOptions) {
    const base = laneSettings(opts.leaseSeconds);
    this.lanes = Object.fromEntries(LANES.map((l) => [l, { ...base[l], ...(opts.lanes?.[l] ?? {}) }])) as Record<Lane, LaneSettings>;
    for (const l of LANES) {
      const s = this.lanes[l];
      if (s.timeoutMs >= s.leaseSeconds * 1000) throw new Error(`outbox lane ${l}: the timeout must be shorter than the lease`);
    }
  }

  stats(): OutboxStats {
    return {
      inFlight: Object.fromEntries(LANES.map((l) => [l, this.inFlight.get(l) ?? 0])) as Record<Lane, number>,
      unrecorded: this.unrecorded.length,
      outcomes: { ...this.counts.outcomes },
      deliveries: new Map(this.counts.deliveries),
    };
  }

  private paused(lane: Lane): boolean {
    return this.lanes[lane].usesSlack && (this.opts.circuit?.isOpen() ?? false);
  }

  /** Claims due messages of a lane, up to `limit`. Nothing is claimed while outcomes wait to be recorded. */
  private async claim(lane: Lane, limit: number): Promise<OutboxMessage[]> {
    if (limit <= 0 || this.paused(lane)) return [];
    if (!(await this.flushUnrecorded())) return [];
    const s = this.lanes[lane];
    try {
      return await claimDue(this.opts.db, {
        lane,
        limit,
        skip: [...this.running],
        now: this.opts.clock.now(),
        worker: this.worker,
        leaseSeconds: s.leaseSeconds,
        maxBackoffSeconds: this.opts.maxBackoffSeconds ?? 60,
      });
    } catch (err) {
      this.complainAboutDatabase(`could not claim messages: ${(err as Error).message}`);
      return [];
    }
  }

  private complainAboutDatabase(what: string): void {
    const now = Date.now();
    if (now - this.lastDbComplaintAt < 30_000) return;
    this.lastDbComplaintAt = now;
    this.opts.log.error(`outbox: ${what}; deliveries wait for the database`);
  }

  /** The log for one message: its lines carry the message's id, lane, kind and incident. */
  private logFor(message: OutboxMessage): Logger {
    return this.opts.log.child({
      outbox: String(message.id),
      lane: message.lane,
      kind: message.kind,
      ...(message.incidentNumber !== null ? { incident: incidentRef(message.incidentNumber) } : {}),
    });
  }

  /** Calls the handler (bounded by the lane's timeout) and records what came of it. */
  private async deliver(message: OutboxMessage): Promise<void> {
    const { handlers } = this.opts;
    const log = this.logFor(message);
    const lane = this.lanes[message.lane];
    const controller = new AbortController();
    const claimedAt = this.opts.clock.now();
    const startedAt = performance.now();
    let outcome: Outcome;
    /** For metrics: what went wrong (Slack's error code, the auth error, or "transient"). */
    let failureCode: string | null = null;
    try {
      const handler = handlers[message.kind];
      if (!handler) throw new PermanentFailure(`no handler for outbox messages of kind ${message.kind}`, "no_handler");
      this.running.add(message.id);
      const work = handler({ message, db: this.opts.db, now: claimedAt, signal: controller.signal, log });
      void work.then(
        () => this.running.delete(message.id),
        () => this.running.delete(message.id),
      );
      const delivered = await withTimeout(work, lane.timeoutMs, controller, `${message.kind} timed out after ${lane.timeoutMs / 1000}s (it may have happened)`);
      outcome = { kind: "sent", result: delivered?.result, record: delivered?.record };
      this.count(message, "ok");
      log.debug(`outbox: ${message.kind} delivered`, { attempt: message.attempts, ms: this.opts.clock.now().getTime() - claimedAt.getTime() });
      if (lane.usesSlack) this.opts.circuit?.markWorking();
    } catch (err) {
      const failure = err instanceof PermanentFailure || err instanceof TransientFailure || err instanceof AuthFailure ? err : this.classify(err);
      const now = this.opts.clock.now();
      if (failure instanceof AuthFailure) {
        failureCode = failure.code;
        this.count(message, failure.code);
        this.opts.circuit?.open(failure.code);
        outcome = { kind: "paused", reason: `paused: ${failure.message}` };
      } else if (failure instanceof TransientFailure && message.attempts < (this.opts.maxAttempts ?? 1000)) {
        failureCode = "transient";
        this.count(message, "transient");
        const delay = failure.retryAfterSeconds ?? backoffSeconds(message.attempts, this.opts.maxBackoffSeconds ?? 60);
        let retryAt = now.getTime() + delay * 1000;
        // A call that overran may still be going: not again while its lease holds.
        if (failure instanceof DeliveryTimeout) retryAt = Math.max(retryAt, claimedAt.getTime() + lane.leaseSeconds * 1000);
        log.warn(`outbox: ${message.kind} ${message.idempotencyKey} failed (attempt ${message.attempts}), retrying at ${new Date(retryAt).toISOString()}: ${failure.message}`, {
          attempt: message.attempts,
        });
        outcome = { kind: "retry", retryAt: new Date(retryAt), error: failure.message, record: failure.record };
      } else {
        const permanent = failure instanceof PermanentFailure ? failure : new PermanentFailure(`gave up after ${message.attempts} attempts: ${failure.message}`, "gave_up");
        failureCode = permanent.code;
        this.count(message, permanent.code);
        log.error(`outbox: ${message.kind} ${message.idempotencyKey} failed for good: ${permanent.message}`, { attempt: message.attempts, code: permanent.code });
        outcome = { kind: "failed", failure: permanent };
      }
    }
    this.counts.outcomes[`${message.lane}:${outcome.kind}`] = (this.counts.outcomes[`${message.lane}:${outcome.kind}`] ?? 0) + 1;
    const kind = Object.hasOwn(handlers, message.kind) ? message.kind : "unknown";
    this.opts.metrics?.delivery(message.lane, kind, outcome.kind, failureCode, (performance.now() - startedAt) / 1000);
    await this.record(message, outcome);
  }

  private count(message: OutboxMessage, result: string): void {
    const key = `${message.kind}\t${result}`;
    this.counts.deliveries.set(key, (this.counts.deliveries.get(key) ?? 0) + 1);
  }

  private classify(err: unknown): Failure {
    if (this.opts.classify) return this.opts.classify(err);
    return new TransientFailure(err instanceof Error ? err.message : String(err));
  }

  /** Records an outcome, or keeps it in memory while the database is away. */
  private async record(message: OutboxMessage, outcome: Outcome): Promise<boolean> {
    const written = await this.tryWrite(message, outcome);
    if (written === "written") return true;
    if (written === "away") {
      this.unrecorded.push({ message, outcome });
      this.logFor(message).warn(`outbox: the database is away: the outcome of ${message.kind} ${message.idempotencyKey} (${outcome.kind}) is kept in memory until it answers`);
      this.scheduleFlush();
      return false;
    }
    // The database answers, so the outcome's own writes are at fault: never deliver it again.
    this.logFor(message).error(`outbox: recording ${message.kind} ${message.idempotencyKey} failed: ${written.message}`);
    const failed: Outcome = { kind: "failed", failure: new PermanentFailure(`could not record the outcome: ${written.message}`, "record_failed") };
    try {
      await this.write(message, failed);
    } catch {
      this.unrecorded.push({ message, outcome: failed });
      this.scheduleFlush();
    }
    return false;
  }

  /**
   * Writes an outcome. When that fails, either the database is away ("away": keep the outcome
   * for later), or it answers again: a write that met a server stopping or starting up
   * (57P01, 57P03) fails although the database answers a moment later, so the write is tried
   * once more before its own writes are blamed (the error is returned). Trying again is safe: the
   * failed transaction rolled back, and each write applies only to a message still pending.
   */
  private async tryWrite(message: OutboxMessage, outcome: Outcome): Promise<"written" | "away" | Error> {
    let error: Error | null = null;
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await this.write(message, outcome);
        return "written";
      } catch (err) {
        error = err as Error;
      }
      if (!(await this.databaseAnswers())) return "away";
    }
    return error!;
  }

  private async write(message: OutboxMessage, outcome: Outcome): Promise<void> {
    const now = this.opts.clock.now();
    await inTransaction(
      this.opts.db,
      async (tx) => {
        switch (outcome.kind) {
          case "sent":
            await markSent(tx, message.id, now, outcome.result);
            await outcome.record?.(tx, now);
            return;
          case "retry":
            await markRetry(tx, message.id, outcome.retryAt, outcome.error);
            await outcome.record?.(tx, now);
            return;
          case "paused":
            await markPaused(tx, message.id, now, outcome.reason);
            return;
          case "failed":
            await markFailed(tx, message.id, outcome.failure.message);
            await this.opts.onPermanentFailure?.(tx, message, outcome.failure, now);
            return;
        }
      },
      { timeoutMs: 10_000, maxWaitMs: 5_000 },
    );
  }

  private async databaseAnswers(): Promise<boolean> {
    try {
      await ping(this.opts.db);
      return true;
    } catch {
      return false;
    }
  }

  /** Records the outcomes kept in memory, oldest first. True when none is left. */
  private flushUnrecorded(): Promise<boolean> {
    if (this.unrecorded.length === 0) return Promise.resolve(true);
    this.flushing ??= (async () => {
      while (this.unrecorded.length > 0) {
        const { message, outcome } = this.unrecorded[0];
        const written = await this.tryWrite(message, outcome);
        if (written === "away") return false;
        if (written !== "written") {
          this.logFor(message).error(`outbox: recording ${message.kind} ${message.idempotencyKey} failed: ${written.message}`);
          this.unrecorded[0] = { message, outcome: { kind: "failed", failure: new PermanentFailure(`could not record the outcome: ${written.message}`, "record_failed") } };
          continue;
        }
        this.unrecorded.shift();
        this.logFor(message).info(`outbox: recorded ${message.kind} ${message.idempotencyKey} (${outcome.kind}) now that the database answers`);
      }
      return true;
    })().finally(() => (this.flushing = null));
    return this.flushing;
  }

  private flushTimer: NodeJS.Timeout | null = null;
  private scheduleFlush(): void {
    if (this.flushTimer || this.stopped) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null;
      void this.flushUnrecorded().then((done) => (done ? this.kick() : this.scheduleFlush()));
    }, 1000);
    this.flushTimer.unref();
  }

  private track(work: Promise<void>): Promise<void> {
    this.deliveries.add(work);
    return work.finally(() => this.deliveries.delete(work));
  }

  private begin(message: OutboxMessage): void {
    this.inFlight.set(message.lane, (this.inFlight.get(message.lane) ?? 0) + 1);
    void this.track(
      this.deliver(message)
        .catch((err) => this.logFor(message).error(`outbox: delivering ${message.kind} failed: ${(err as Error).message}`))
        .finally(() => {
          this.inFlight.set(message.lane, (this.inFlight.get(message.lane) ?? 1) - 1);
          this.pump(message.lane);
        }),
    );
  }

  /** Claims what the lane has room for and starts delivering it; never overlaps itself. */
  private pump(lane: Lane): void {
    if (this.stopped) return;
    if (this.claiming.has(lane)) {
      this.again.add(lane);
      return;
    }
    const free = this.lanes[lane].concurrency - (this.inFlight.get(lane) ?? 0);
    if (free <= 0) return; // a delivery that finishes pumps again
    const work = this.claim(lane, free)
      .then((messages) => messages.forEach((m) => this.begin(m)))
      .catch((err) => this.opts.log.error(`outbox: ${lane} lane: ${(err as Error).message}`))
      .finally(() => {
        this.claiming.delete(lane);
        if (this.again.delete(lane)) this.pump(lane);
      });
    this.claiming.set(lane, work);
  }

  /** Asks these lanes (default: every lane) to deliver what is due (after a commit, on the interval, when Slack is back). */
  kick(lanes: readonly Lane[] = LANES): void {
    for (const lane of lanes) this.pump(lane);
  }

  /** Waits until nothing is being claimed or delivered (for tests and shutdown). */
  async idle(): Promise<void> {
    while (this.claiming.size > 0 || this.deliveries.size > 0) {
      await Promise.allSettled([...this.claiming.values(), ...this.deliveries]);
    }
  }

  /**
   * Delivers everything due now, lane by lane, until nothing is left (tests, the command line).
   * Asks Slack first whether the token works again when the auth circuit is open.
   */
  async drain(limit = 10_000): Promise<number> {
    let handled = 0;
    if (this.opts.circuit?.isOpen()) await this.opts.circuit.probe();
    while (handled < limit && !this.stopped) {
      await this.idle(); // what the lanes' own pumps are delivering first
      const claimed = (await Promise.all(LANES.map((lane) => this.claim(lane, this.lanes[lane].concurrency)))).flat();
      if (claimed.length === 0) break;
      await Promise.all(claimed.map((m) => this.track(this.deliver(m))));
      handled += claimed.length;
    }
    return handled;
  }

  start(intervalMs = 1000): void {
    this.stopped = false;
    this.timer = setInterval(() => this.kick(), intervalMs);
    this.timer.unref();
    this.kick();
  }

  /** Stops claiming, waits for deliveries in flight and tries once more to record what waits in memory. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.timer = null;
    this.flushTimer = null;
    await this.idle();
    if (this.unrecorded.length > 0 && !(await this.flushUnrecorded())) {
      this.opts.log.error(`outbox: ${this.unrecorded.length} outcome(s) could not be recorded before stopping; those messages repeat after their lease expires`);
    }
  }
}

function withTimeout<T>(work: Promise<T>, ms: number, controller: AbortController, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new DeliveryTimeout(message));
    }, ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
