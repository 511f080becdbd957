// "Your on-call shift starts now": a direct message to each person whose shift has just begun.
// Level-triggered like the rest of the engine: each tick looks at who is on call now and since
// when; a notice row (unique per schedule, person and shift start) makes it once per shift, with
// any number of bot processes and however late the tick.
import type { Db } from "../db/client.ts";
import { enqueue } from "../db/outbox.ts";
import { inTransaction } from "../db/tx.ts";
import { segments } from "./schedule.ts";
import { listSchedules, loadSchedule, recordShiftNotice } from "./store.ts";
import { formatIn } from "./views.ts";

/** A shift that started longer ago than this (the bot was down) gets no notice. */
export const NOTICE_GRACE_MS = 60 * 60_000;

export async function sendShiftNotices(db: Db, now: Date): Promise<number> {
  let sent = 0;
  for (const { name } of await listSchedules(db)) {
    const from = new Date(now.getTime() - NOTICE_GRACE_MS);
    const schedule = await loadSchedule(db, name, { from, to: new Date(now.getTime() + 90 * 86_400_000) });
    if (!schedule) continue;
    const around = segments(schedule, from, new Date(now.getTime() + 1));
    const current = around.at(-1);
    if (!current || current.onCall.length === 0) continue;
    // When did each person's stretch on call begin (within the grace window)?
    for (const userId of current.onCall) {
      let startAt = current.start;
      for (let i = around.length - 2; i >= 0 && around[i].onCall.includes(userId); i--) startAt = around[i].start;
      if (startAt.getTime() <= from.getTime()) continue; // on call since before the window: not a new shift
      const until = segments(schedule, now, new Date(now.getTime() + 90 * 86_400_000)).find((s) => !s.onCall.includes(userId))?.start ?? null;
      await inTransaction(db, async (tx) => {
        if (!(await recordShiftNotice(tx, name, userId, startAt, now))) return;
        const text = `:wave: Your on-call shift on *${name}* started ${formatIn(startAt, schedule.timezone)}${until ? ` and runs until ${formatIn(until, schedule.timezone)}` : ""}. Pages come here as direct messages; acknowledge them with the button or \`/incident ack\`.`;
        await enqueue(tx, [{ key: `shift:${name}:${userId}:${startAt.toISOString()}`, kind: "slack.post", payload: { channel: userId, text } }], now);
        sent++;
      });
    }
  }
  return sent;
}
