// On-call, as people ask for it from Slack: who is on call (now, until when, who next, the
// overrides to come), and overrides made and removed. Reads and writes through the store; the
// time arithmetic is pure (schedule.ts, zoned.ts, views.ts).
import type { Clock } from "../clock.ts";
import type { Db } from "../db/client.ts";
import { UserError } from "../errors.ts";
import type { Schedule } from "./schedule.ts";
import { addOverride, listOverrides, loadSchedule, noSuchSchedule, removeOverride, scheduleNames, type OverrideRecord } from "./store.ts";
import { parseOverrideWindow } from "./views.ts";

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

  /** An override from Slack: `from`/`to` as people type them, in the schedule's zone. */
  async addOverride(scheduleName: string, userId: string, from: string, to: string, createdById: string): Promise<{ id: number; start: Date; end: Date }> {
    const { db } = this.opts;
    const now = this.opts.clock.now();
    const schedule = await loadSchedule(db, scheduleName);
    if (!schedule) throw noSuchSchedule(scheduleName, await scheduleNames(db));
    const window = parseOverrideWindow(from, to, schedule.timezone, now);
    if ("error" in window) throw new UserError("invalid_input", window.error);
    const { id } = await addOverride(db, { schedule: scheduleName, userId, start: window.start, end: window.end, createdById, createdAt: now });
    return { id, start: window.start, end: window.end };
  }

  removeOverride(id: number): Promise<OverrideRecord> {
    return removeOverride(this.opts.db, id);
  }
}
