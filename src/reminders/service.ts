// Reminders from Slack: the due instants a change sets (the incidents service's hook, in the
// change's transaction) and Snooze 15 min.
import type { Clock } from "../clock.ts";
import type { Db } from "../db/client.ts";
import { inSqlTransaction } from "../db/sql.ts";
import type { RawTx } from "../db/tx.ts";
import { enforce, mayUseBot, type Actor } from "../access/policy.ts";
import type { Incident } from "../incidents/incident.ts";
import type { ReminderHook } from "../incidents/service.ts";
import type { TimelineData } from "../incidents/timeline.ts";
import { remindersAfter, SNOOZE_MS, type UpdateCadence } from "./plan.ts";
import { postpone, setDue } from "./store.ts";

export class ReminderService implements ReminderHook {
  constructor(private readonly opts: { db: Db; clock: Clock; cadence: UpdateCadence }) {}

  get cadence(): UpdateCadence {
    return this.opts.cadence;
  }

  async afterChange(tx: RawTx, incident: Incident, events: readonly TimelineData[], now: Date): Promise<void> {
    await setDue(tx, incident.id, remindersAfter(events, incident, now, this.opts.cadence));
  }

  /** Snooze 15 min: the update reminder waits. False when there is none (the incident moved on). */
  async snooze(incident: Incident, by: Actor): Promise<boolean> {
    enforce(mayUseBot(by));
    const now = this.opts.clock.now();
    return inSqlTransaction(this.opts.db, (tx) => postpone(tx, incident.id, "update", new Date(now.getTime() + SNOOZE_MS)));
  }
}
