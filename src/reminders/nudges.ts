// Due reminders, taken by the engine (engine/modules/reminders.ts): each due row is claimed with
// FOR UPDATE SKIP LOCKED, the incident looked at as it is now, the nudge recorded in the outbox and
// the due instant moved on, all in one transaction. So any number of bot processes, however late
// their ticks, send each reminder once; a process that dies mid-way rolls back and another takes it.
import type { Db } from "../db/client.ts";
import { enqueue, type OutboxEntry } from "../db/outbox.ts";
import { inTransaction } from "../db/tx.ts";
import { incidentById } from "../incidents/store.ts";
import { claimDueActionItems, setActionItemReminder } from "../postmortem/store.ts";
import { dueActionItem, dueReminder, type UpdateCadence } from "./plan.ts";
import { claimDueReminders, recordReminder } from "./store.ts";
import { actionItemMessage, nudgeMessage } from "./views.ts";

const BATCH = 200;

/** Sends what is due at `now`; returns how many nudges were recorded. */
export async function sendDueReminders(db: Db, now: Date, cadence: UpdateCadence): Promise<number> {
  let sent = 0;
  for (;;) {
    const { claimed, recorded } = await inTransaction(db, async (tx) => {
      const due = await claimDueReminders(tx, now, BATCH);
      const out: OutboxEntry[] = [];
      for (const r of due) {
        const incident = await incidentById(tx, r.incidentId);
        const { nudge, nextDueAt } = incident ? dueReminder(r.kind, incident, now, cadence) : { nudge: null, nextDueAt: null };
        if (incident && nudge) {
          const message = nudgeMessage(nudge, incident, cadence);
          out.push({ key: `reminder:${r.id}:${r.sent + 1}`, kind: "slack.post", incidentId: incident.id, payload: { channel: nudge.channel, ...message } });
        }
        await recordReminder(tx, r.id, nudge !== null, nextDueAt, now);
      }
      await enqueue(tx, out, now);
      return { claimed: due.length, recorded: out.length };
    });
    sent += recorded;
    if (claimed < BATCH) break;
  }
  for (;;) {
    const { claimed, recorded } = await inTransaction(db, async (tx) => {
      const due = await claimDueActionItems(tx, now, BATCH);
      const out: OutboxEntry[] = [];
      for (const item of due) {
        const incident = await incidentById(tx, item.incidentId);
        const { userId, nextDueAt } = incident ? dueActionItem(item, incident.commanderId, now) : { userId: null, nextDueAt: null };
        if (incident && userId) {
          out.push({ key: `action-item:${item.id}:overdue:${item.remindAt!.toISOString()}`, kind: "slack.post", payload: { channel: userId, text: actionItemMessage(item, incident.number) } });
        }
        await setActionItemReminder(tx, item.id, nextDueAt);
      }
      await enqueue(tx, out, now);
      return { claimed: due.length, recorded: out.length };
    });
    sent += recorded;
    if (claimed < BATCH) break;
  }
  return sent;
}
