// On-call, as people ask for it from Slack: who is on call (now, until when, who next, the
// overrides to come), and overrides made and removed, within the access rules (who may, and for
// how long). Reads and writes through the store; the time arithmetic is pure (schedule.ts,
// zoned.ts, views.ts).
import { enforce, mayAddOverride, mayRemoveOverride, mayUseBot, type Actor } from "../access/policy.ts";
import type { Clock } from "../clock.ts";
import type { Db } from "../db/client.ts";
import { enqueue } from "../db/outbox.ts";
import { inTransaction } from "../db/tx.ts";
import { UserError } from "../errors.ts";
import { DEFAULT_MAX_OVERRIDE_SECONDS } from "./rota-file.ts";
import { segments, type Schedule } from "./schedule.ts";
import {
  addOverride,
  listOverrides,
  loadAccess,
  loadSchedule,
  noSuchSchedule,
  overrideById,
  removeOverride,
  scheduleNames,
  scheduleOwners,
  type OverrideRecord,
} from "./store.ts";
import { formatIn, parseOverrideWindow } from "./views.ts";

/** How far ahead an on-call answer looks (handoffs, the next person, overrides to come). */
const LOOKAHEAD_MS = 90 * 86_400_000;

export interface OnCallView {
  schedule: Schedule;
  overrides: OverrideRecord[];
}

export class OnCallService {
  constructor(private readonly opts: { db: Db; clock: Clock }) {}

  /** Every schedule (or the one named) with the overrides still to come. */
  async whoIsOnCall(name: string | null): Promise<OnCallView[]> {
    const { db } = this.opts;
    const now = this.opts.clock.now();
    const window = { from: now, to: new Date(now.getTime() + LOOKAHEAD_MS) };
    const names = name ? [name] : await scheduleNames(db);
    const out: OnCallView[] = [];
    for (const n of names) {
      const schedule = await loadSchedule(db, n, window);
      if (!schedule) throw noSuchSchedule(n, await scheduleNames(db));
      out.push({ schedule, overrides: await listOverrides(db, n, { from: now }) });
    }
    return out;
  }

  /**
   * An override from Slack: `from`/`to` as people type them, in the schedule's zone. Whoever it
   * displaces (on call in that window before it) is told by direct message.
   */
  async addOverride(scheduleName: string, coverId: string, from: string, to: string, by: Actor): Promise<{ id: number; start: Date; end: Date; displaced: string[] }> {
    enforce(mayUseBot(by));
    const { db } = this.opts;
    const now = this.opts.clock.now();
    const schedule = await loadSchedule(db, scheduleName);
    if (!schedule) throw noSuchSchedule(scheduleName, await scheduleNames(db));
    const window = parseOverrideWindow(from, to, schedule.timezone, now);
    if ("error" in window) throw new UserError("invalid_input", window.error);
    const { start, end } = window;
    const [access, owners] = await Promise.all([loadAccess(db), scheduleOwners(db, scheduleName)]);
    enforce(
      mayAddOverride(
        by,
        { schedule: scheduleName, coverId, owners, durationSeconds: Math.round((end.getTime() - start.getTime()) / 1000), maxSeconds: access?.maxOverrideSeconds ?? DEFAULT_MAX_OVERRIDE_SECONDS },
        { admins: access?.admins ?? [] },
      ),
    );
    const before = await loadSchedule(db, scheduleName, { from: start, to: end });
    const displaced = [...new Set(segments(before!, start, end).flatMap((s) => s.onCall))].filter((u) => u !== coverId);
    const zone = schedule.timezone;
    return inTransaction(db, async (tx) => {
      const { id } = await addOverride(tx, { schedule: scheduleName, userId: coverId, start, end, createdById: by.userId, createdAt: now });
      const text = (user: string) =>
        `:arrows_counterclockwise: <@${coverId}> covers your on-call shift on *${scheduleName}* from ${formatIn(start, zone)} to ${formatIn(end, zone)} (override #${id}, made by <@${by.userId}>). ` +
        `You will not be paged from ${scheduleName} then${user === by.userId ? "" : "; if that is wrong, say so to them or remove it with `/incident oncall override remove " + id + "`"}.`;
      await enqueue(tx, displaced.map((u) => ({ key: `override:${id}:displaced:${u}`, kind: "slack.post", payload: { channel: u, text: text(u) } })), now);
      return { id, start, end, displaced };
    });
  }

  /** Removes an override made from Slack: by whoever made it, the schedule's owners or admins. */
  async removeOverride(id: number, by: Actor): Promise<OverrideRecord> {
    enforce(mayUseBot(by));
    const { db } = this.opts;
    const record = await overrideById(db, id);
    if (!record) throw new UserError("not_found", `There is no override ${id}.`);
    const [access, owners] = await Promise.all([loadAccess(db), scheduleOwners(db, record.schedule)]);
    enforce(mayRemoveOverride(by, { id, schedule: record.schedule, createdById: record.createdById, owners }, { admins: access?.admins ?? [] }));
    return removeOverride(db, id);
  }
}
