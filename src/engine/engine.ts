// The engine: runs its modules (escalation steps, shift notices, housekeeping, …) on a tick and
// wakes up for the next due escalation step in between.
//
// - node-cron (or the wake-up timer) only decides when to look; the database decides what is due.
// - Modules are independent: each runs with its own timeout, its own error handling and logging;
//   one failing or slow module never stops the others, and a run still going when the next tick
//   comes is not started twice (unless it overran its timeout, when it is given up on).
// - A tick never waits for the outbox: what modules record is delivered by the outbox's lanes.
// - Due steps on time: after each run the engine asks the modules when something is next due and
//   sets a timer for that instant, so a step due between two ticks is not taken up to a tick late.
import cron, { type ScheduledTask } from "node-cron";
import type { Clock } from "../clock.ts";
import type { Logger } from "../log.ts";
import type { Metrics } from "../metrics/index.ts";
import type { EngineModule } from "./module.ts";

export interface EngineOptions {
  clock: Clock;
  log: Logger;
  modules: EngineModule[];
  /** Seconds between ticks (1–59). */
  tickSeconds: number;
  /** How long a module's run may take, unless the module says otherwise. */
  moduleTimeoutMs?: number;
  /** Called after a run that did something (kicks the outbox). */
  onWork?: (module: string) => void;
  /** Called at the start of each tick (the database clock re-measures its offset). */
  beforeTick?: () => Promise<void>;
  /** Times each module's run. */
  metrics?: Metrics;
}

export interface ModuleStatus {
  name: string;
  running: boolean;
  lastStartedAt: Date | null;
  lastSucceededAt: Date | null;
  lastFailedAt: Date | null;
  lastError: string | null;
  lastDurationMs: number | null;
  runs: number;
  failures: number;
}

/** Wake-ups further away than this are left to the tick. */
const MAX_WAKE_MS = 60_000;

export class Engine {
  private task: ScheduledTask | null = null;
  private wakeTimer: NodeJS.Timeout | null = null;
  private wakeAt: number | null = null;
  private readonly runs = new Map<string, { promise: Promise<void>; startedAt: number; deadline: number }>();
  private readonly status = new Map<string, ModuleStatus>();
  private readonly ticks = new Set<Promise<void>>();
  private lastTickAt: Date | null = null;
  private started = false;

  constructor(private readonly opts: EngineOptions) {
    for (const m of opts.modules) {
      this.status.set(m.name, { name: m.name, running: false, lastStartedAt: null, lastSucceededAt: null, lastFailedAt: null, lastError: null, lastDurationMs: null, runs: 0, failures: 0 });
    }
  }

  get modules(): readonly EngineModule[] {
    return this.opts.modules;
  }

  /** When the last tick in which every module succeeded ended. */
  lastCompletedTickAt(): Date | null {
    return this.lastTickAt;
  }

  moduleStatus(): ModuleStatus[] {
    return [...this.status.values()].map((s) => ({ ...s, running: this.runs.has(s.name) }));
  }

  /**
   * One tick: every module, side by side. Resolves when each has finished or overrun its timeout;
   * never throws. A module whose previous run is still going (within its timeout) is left to it.
   */
  async tick(): Promise<void> {
    await this.opts.beforeTick?.().catch(() => undefined);
    const results = await Promise.all(this.opts.modules.map((m) => this.run(m)));
    if (results.every((ok) => ok !== false)) this.lastTickAt = this.opts.clock.now();
    this.rearm();
  }

  /** Runs one module. True when it succeeded, false when it failed, null when a run was already going. */
  private async run(module: EngineModule): Promise<boolean | null> {
    const timeoutMs = module.timeoutMs ?? this.opts.moduleTimeoutMs ?? 30_000;
    const status = this.status.get(module.name)!;
    const previous = this.runs.get(module.name);
    if (previous && Date.now() < previous.deadline) return null;
    if (previous) this.opts.log.error(`engine: module ${module.name} is still running after ${timeoutMs / 1000}s; starting it again`, { module: module.name });
    const startedAt = Date.now();
    status.lastStartedAt = this.opts.clock.now();
    status.runs++;
    let did = 0;
    const work = (async () => {
      did = await module.runDue(this.opts.clock.now());
    })();
    const entry = { promise: work.then(() => undefined, () => undefined), startedAt, deadline: startedAt + timeoutMs };
    this.runs.set(module.name, entry);
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        work,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs / 1000}s`)), timeoutMs);
        }),
      ]);
      status.lastSucceededAt = this.opts.clock.now();
      status.lastError = null;
      if (did > 0) this.opts.onWork?.(module.name);
      return true;
    } catch (err) {
      status.lastFailedAt = this.opts.clock.now();
      status.lastError = (err as Error).message;
      status.failures++;
      this.opts.log.error(`engine: module ${module.name} failed: ${(err as Error).message}`, { module: module.name });
      return false;
    } finally {
      clearTimeout(timer);
      status.lastDurationMs = Date.now() - startedAt;
      this.opts.metrics?.moduleRun(module.name, status.lastDurationMs / 1000, status.lastError === null);
      // A run given up on keeps its place until it really ends, but no longer blocks the next.
      void entry.promise.then(() => {
        if (this.runs.get(module.name) === entry) this.runs.delete(module.name);
      });
    }
  }

  /** Looks again soon for what is due (after a change that may bring a step forward, such as a new page). */
  rearm(): void {
    if (!this.started) return;
    // Many commits at once (a burst of pages) look once more after the look under way, not once each.
    if (this.arming) {
      this.armAgain = true;
      return;
    }
    this.arming = true;
    void this.armWakeUp()
      .catch((err) => this.opts.log.warn(`engine: could not look for the next due step: ${(err as Error).message}`))
      .finally(() => {
        this.arming = false;
        if (this.armAgain) {
          this.armAgain = false;
          this.rearm();
        }
      });
  }
  private arming = false;
  private armAgain = false;

  private async armWakeUp(): Promise<void> {
    const dues = await Promise.all(this.opts.modules.map(async (m) => ({ m, at: (await m.nextDueAt?.()) ?? null })));
    const next = dues.filter((d) => d.at !== null).sort((a, b) => a.at!.getTime() - b.at!.getTime())[0];
    if (!next || !this.started) return;
    const delay = Math.max(0, next.at!.getTime() - this.opts.clock.now().getTime());
    if (delay > MAX_WAKE_MS) return;
    const at = Date.now() + delay;
    if (this.wakeAt !== null && this.wakeAt <= at) return; // an earlier wake-up is already set
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.wakeAt = at;
    // A few milliseconds late, so the due instant has passed on the database's clock too.
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = null;
      this.wakeAt = null;
      void this.run(next.m).then(() => this.rearm());
    }, delay + 5);
    this.wakeTimer.unref();
  }

  start(): void {
    this.started = true;
    const every = Math.min(59, Math.max(1, Math.round(this.opts.tickSeconds)));
    // Ticks may overlap (a slow module must not delay the others' next run); each module never
    // runs twice at once.
    this.task = cron.schedule(`*/${every} * * * * *`, () => void this.track(this.tick()), { name: "incident-bot-engine" });
    void this.track(this.tick());
  }

  private track(tick: Promise<void>): Promise<void> {
    this.ticks.add(tick);
    return tick.finally(() => this.ticks.delete(tick));
  }

  async stop(): Promise<void> {
    this.started = false;
    await this.task?.stop();
    this.task = null;
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.wakeTimer = null;
    this.wakeAt = null;
    await Promise.all([...this.ticks]);
    await Promise.all([...this.runs.values()].map((r) => r.promise));
  }
}
