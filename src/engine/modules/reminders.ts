// The engine module that sends due reminders: status updates, a missing communications lead,
// incidents resolved but not closed, postmortems not reviewed, overdue action items (the work is
// reminders/nudges.ts; it is given here so the engine does not depend on the domains it serves).
// Level-triggered: each run takes what is due; a late run catches up, each reminder once.
import type { Logger } from "../../log.ts";
import type { EngineModule } from "../module.ts";

export interface RemindersModuleOptions {
  log: Logger;
  /** Sends what is due at `now`; returns how many reminders were recorded. */
  sendDue(now: Date): Promise<number>;
  /** The next instant a reminder is due. */
  nextDueAt(): Promise<Date | null>;
}

export function remindersModule(opts: RemindersModuleOptions): EngineModule {
  return {
    name: "reminders",
    async runDue(now) {
      const sent = await opts.sendDue(now);
      if (sent > 0) opts.log.info(`engine: sent ${sent} reminder(s)`);
      return sent;
    },
    nextDueAt: () => opts.nextDueAt(),
  };
}
