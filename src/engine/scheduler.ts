// node-cron decides when to look; the database decides what is due. Each tick delivers the
// outbox and takes the escalation steps that are due. A tick that is late, skipped, or run by two
// processes at once changes nothing but timing.
import cron, { type ScheduledTask } from "node-cron";
import type { Clock } from "../clock.ts";
import type { Db } from "../db/client.ts";
import type { EscalationService } from "../escalation/service.ts";
import { sendShiftNotices } from "../oncall/shift-notices.ts";
import type { Logger } from "../log.ts";
import type { Outbox } from "./outbox.ts";

export interface EngineOptions {
  db: Db;
  clock: Clock;
  escalation: EscalationService;
  outbox: Outbox;
  log: Logger;
  /** Seconds between ticks (1–59). */
  tickSeconds: number;
}

export class Engine {
  private task: ScheduledTask | null = null;
  private running: Promise<void> | null = null;

  constructor(private readonly opts: EngineOptions) {}

  /** One tick: due escalation steps first (they record pages), shift notices, then the outbox sends them. */
  async tick(): Promise<void> {
    const steps = await this.opts.escalation.runDue();
    if (steps > 0) this.opts.log.debug(`engine: took ${steps} escalation step(s)`);
    const notices = await sendShiftNotices(this.opts.db, this.opts.clock.now());
    if (notices > 0) this.opts.log.info(`engine: told ${notices} person(s) their on-call shift started`);
    await this.forgetOldWork();
    this.opts.outbox.kick();
    await this.opts.outbox.idle();
  }

  private lastCleanupAt = 0;

  /**
   * Remembered requests only matter while Slack may still retry them (minutes), and delivered
   * messages only for looking back: both are trimmed once an hour, by whichever process ticks.
   */
  private async forgetOldWork(): Promise<void> {
    const now = this.opts.clock.now();
    if (now.getTime() - this.lastCleanupAt < 3_600_000) return;
    this.lastCleanupAt = now.getTime();
    const day = 86_400_000;
    await this.opts.db.processedRequest.deleteMany({ where: { processedAt: { lt: new Date(now.getTime() - day) } } });
    await this.opts.db.outboxMessage.deleteMany({ where: { state: "sent", sentAt: { lt: new Date(now.getTime() - 30 * day) } } });
  }

  start(): void {
    const every = Math.min(59, Math.max(1, Math.round(this.opts.tickSeconds)));
    this.task = cron.schedule(
      `*/${every} * * * * *`,
      async () => {
        if (this.running) return;
        this.running = this.tick()
          .catch((err) => this.opts.log.error(`engine tick failed: ${(err as Error).message}`))
          .finally(() => (this.running = null));
        await this.running;
      },
      { name: "incident-bot-engine", noOverlap: true },
    );
  }

  async stop(): Promise<void> {
    await this.task?.stop();
    this.task = null;
    await this.running;
  }
}
