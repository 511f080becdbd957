// On-call, as people ask for it from Slack: who is on call (now, until when, who next, the
// overrides to come), and overrides made and removed, within the access rules (who may, and for
// how long). Reads and writes through the store; the time arithmetic is pure (schedule.ts,
// zoned.ts, views.ts).
import { enforce, mayAddOverride, mayAskSwap, mayRemoveOverride, mayUseBot, type Actor } from "../access/policy.ts";
import type { Clock } from "../clock.ts";
import type { Db } from "../db/client.ts";
import { enqueue } from "../db/outbox.ts";
import { inTransaction } from "../db/tx.ts";
import { UserError } from "../errors.ts";
import { DEFAULT_MAX_OVERRIDE_SECONDS } from "./rota-file.ts";
import { segments, type Schedule } from "./schedule.ts";
import {
  addOverride,
  createSwap,
  decideSwap,
  listOverrides,
  loadAccess,
  loadSchedule,
  noSuchSchedule,
  overrideById,
  recordSwapOverrides,
  removeOverride,
  scheduleNames,
  scheduleOwners,
  swapById,
  swapByRequestKey,
  type OverrideRecord,
  type SwapRecord,
} from "./store.ts";
import { onCallDuring, onCallThroughout, SHIFTS_AHEAD_MS, shiftsOfUser, shiftsText, swapAcceptedTexts, windowText, type Window } from "./swaps.ts";
import { formatIn, parseOverrideWindow } from "./views.ts";

/** How far ahead an on-call answer looks (handoffs, the next person, overrides to come). */
const LOOKAHEAD_MS = 90 * 86_400_000;

export interface OnCallView {
  schedule: Schedule;
  overrides: OverrideRecord[];
}

/** What a person displaced by an override reads (whoever made it: a command or an accepted swap). */
function displacedText(o: { id: number; schedule: string; zone: string; coverId: string; start: Date; end: Date; byUserId: string }, user: string): string {
  return (
    `:arrows_counterclockwise: <@${o.coverId}> covers your on-call shift on *${o.schedule}* from ${formatIn(o.start, o.zone)} to ${formatIn(o.end, o.zone)} (override #${o.id}, made by <@${o.byUserId}>). ` +
    `You will not be paged from ${o.schedule} then${user === o.byUserId ? "" : "; if that is wrong, say so to them or remove it with `/incident oncall override remove " + o.id + "`"}.`
  );
}

/** A swap's window as typed: `from`/`to` in the schedule's zone, `to` maybe a duration. */
function swapWindow(from: string, to: string, zone: string, now: Date): Window {
  const w = parseOverrideWindow(from, to, zone, now);
  if ("error" in w) throw new UserError("invalid_input", w.error.replace("The override must", "A swap's window must"));
  if (w.end.getTime() <= now.getTime()) throw new UserError("invalid_input", `That window is over (it ended ${formatIn(w.end, zone)}); a swap is for a shift still to come.`);
  return w;
}

const seconds = (w: Window) => Math.round((w.end.getTime() - w.start.getTime()) / 1000);
const overlap = (a: Window, b: Window) => a.start.getTime() < b.end.getTime() && b.start.getTime() < a.end.getTime();

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
      const o = { id, schedule: scheduleName, zone, coverId, start, end, byUserId: by.userId };
      await enqueue(tx, displaced.map((u) => ({ key: `override:${id}:displaced:${u}`, kind: "slack.post", payload: { channel: u, text: displacedText(o, u) } })), now);
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

  /**
   * Asks `targetId` to take the asker's shift in a window (and, for a trade, to give the asker
   * theirs in `trade`). Being on call for the whole window is the permission: otherwise it is
   * refused with the asker's shifts. The request and its direct message (Accept / Decline) are
   * written together; a retried command (same request key) asks once.
   */
  async requestSwap(
    input: { schedule: string; targetId: string; from: string; to: string; trade: { from: string; to: string } | null; requestKey?: string },
    by: Actor,
  ): Promise<SwapRecord> {
    enforce(mayUseBot(by));
    const { db } = this.opts;
    const now = this.opts.clock.now();
    const known = await loadSchedule(db, input.schedule, { from: now, to: now });
    if (!known) throw noSuchSchedule(input.schedule, await scheduleNames(db));
    if (input.targetId === by.userId) throw new UserError("invalid_input", "A swap asks someone else to take your shift: mention them, not yourself.");
    const zone = known.timezone;
    const window = swapWindow(input.from, input.to, zone, now);
    const trade = input.trade ? swapWindow(input.trade.from, input.trade.to, zone, now) : null;
    if (trade && overlap(window, trade)) throw new UserError("invalid_input", `The shift you give (${windowText(window, zone)}) and the one you take back (${windowText(trade, zone)}) overlap; name two separate windows.`);
    const from = new Date(Math.min(now.getTime(), window.start.getTime(), trade?.start.getTime() ?? Infinity));
    const lastEnd = Math.max(window.end.getTime(), trade?.end.getTime() ?? 0);
    const to = new Date(lastEnd + SHIFTS_AHEAD_MS);
    const [schedule, access] = await Promise.all([loadSchedule(db, input.schedule, { from, to }), loadAccess(db)]);
    const maxSeconds = access?.maxOverrideSeconds ?? DEFAULT_MAX_OVERRIDE_SECONDS;
    const until = formatIn(to, zone);
    const shiftsOfPerson = (userId: string, whose: string) => {
      const shifts = shiftsOfUser(schedule!, userId, now, to);
      return shifts.length ? `${whose} shifts on ${input.schedule} until ${until}:\n${shiftsText(shifts, zone)}` : `${whose} no shifts on ${input.schedule} until ${until}.`;
    };
    enforce(
      mayAskSwap(by, {
        schedule: input.schedule,
        window: windowText(window, zone),
        onCall: onCallThroughout(schedule!, by.userId, window),
        shifts: shiftsOfPerson(by.userId, "Your").replace(/^Your no/, "You have no"),
        durationsSeconds: [seconds(window), ...(trade ? [seconds(trade)] : [])],
        maxSeconds,
      }),
    );
    if (trade && !onCallThroughout(schedule!, input.targetId, trade)) {
      throw new UserError(
        "conflict",
        `<@${input.targetId}> is not on call on ${input.schedule} for all of ${windowText(trade, zone)}, so they have no shift to give you then. ${shiftsOfPerson(input.targetId, "Their").replace(/^Their no/, "They have no")}`,
      );
    }
    return inTransaction(db, async (tx) => {
      if (input.requestKey) {
        const earlier = await swapByRequestKey(tx, input.requestKey);
        if (earlier) return earlier;
      }
      const swap = await createSwap(tx, { schedule: input.schedule, askerId: by.userId, targetId: input.targetId, start: window.start, end: window.end, trade, requestKey: input.requestKey ?? null, now });
      await enqueue(tx, [{ key: `swap:${swap.id}:request`, kind: "oncall.swap_request", payload: { swapId: swap.id, channel: swap.targetId } }], now);
      return swap;
    });
  }

  /** A swap request the person asked may answer, or the refusal that says why not. */
  private async pendingSwap(id: number, by: Actor): Promise<SwapRecord> {
    enforce(mayUseBot(by));
    const swap = await swapById(this.opts.db, id);
    if (!swap) throw new UserError("not_found", `There is no swap request ${id}.`);
    if (swap.targetId !== by.userId) throw new UserError("forbidden", `Only <@${swap.targetId}>, whom it asks, may answer swap request #${id}.`);
    if (swap.state !== "pending") throw alreadyDecided(swap);
    return swap;
  }

  /**
   * The person asked accepts: the override that makes them on call in the window (in their name,
   * within max_override), and for a trade the one that makes the asker on call in the trade window
   * (in the asker's name), are added, and both people and the schedule's channel are told, in one
   * transaction. Answered twice (a double click, two processes), it does its work once. A request
   * whose window is over, or whose schedule changed so that it no longer holds, expires instead.
   * `actorOf` gives the asker's actor (for the trade's override, made in their name).
   */
  async acceptSwap(id: number, by: Actor, actorOf: (userId: string) => Promise<Actor>): Promise<{ swap: SwapRecord; overrideId: number; tradeOverrideId: number | null }> {
    const { db } = this.opts;
    const now = this.opts.clock.now();
    const swap = await this.pendingSwap(id, by);
    const zone = swap.timezone;
    const trade = swap.trade;
    const windows = [swap, ...(trade ? [trade] : [])];
    if (windows.some((w) => w.end.getTime() <= now.getTime())) {
      await this.expireSwap(swap, `its window is over (${windowText(windows.find((w) => w.end.getTime() <= now.getTime())!, zone)})`, now);
    }
    const from = new Date(Math.min(...windows.map((w) => w.start.getTime())));
    const to = new Date(Math.max(...windows.map((w) => w.end.getTime())));
    const schedule = await loadSchedule(db, swap.schedule, { from, to });
    if (!schedule) throw new UserError("not_found", `The schedule ${swap.schedule} no longer exists; nothing was changed.`);
    if (!onCallThroughout(schedule, swap.askerId, swap)) {
      await this.expireSwap(swap, `<@${swap.askerId}> is no longer on call on ${swap.schedule} for all of ${windowText(swap, zone)} (the schedule changed since they asked)`, now);
    }
    if (trade && !onCallThroughout(schedule, swap.targetId, trade)) {
      await this.expireSwap(swap, `<@${swap.targetId}> is no longer on call on ${swap.schedule} for all of ${windowText(trade, zone)}, the shift given in return (the schedule changed since it was asked)`, now);
    }
    const [access, owners] = await Promise.all([loadAccess(db), scheduleOwners(db, swap.schedule)]);
    const rules = { admins: access?.admins ?? [] };
    const maxSeconds = access?.maxOverrideSeconds ?? DEFAULT_MAX_OVERRIDE_SECONDS;
    enforce(mayAddOverride(by, { schedule: swap.schedule, coverId: swap.targetId, owners, durationSeconds: seconds(swap), maxSeconds }, rules));
    if (trade) enforce(mayAddOverride(await actorOf(swap.askerId), { schedule: swap.schedule, coverId: swap.askerId, owners, durationSeconds: seconds(trade), maxSeconds }, rules));
    // Whoever else the overrides displace is told as for any override; the two people of the swap read the swap's own words.
    const displaced = onCallDuring(schedule, swap).filter((u) => u !== swap.targetId && u !== swap.askerId);
    const tradeDisplaced = trade ? onCallDuring(schedule, trade).filter((u) => u !== swap.askerId && u !== swap.targetId) : [];
    const done = await inTransaction(db, async (tx) => {
      if (!(await decideSwap(tx, swap.id, "accepted", now))) return null; // answered meanwhile
      const { id: overrideId } = await addOverride(tx, { schedule: swap.schedule, userId: swap.targetId, start: swap.start, end: swap.end, createdById: swap.targetId, createdAt: now });
      const tradeOverrideId = trade ? (await addOverride(tx, { schedule: swap.schedule, userId: swap.askerId, start: trade.start, end: trade.end, createdById: swap.askerId, createdAt: now })).id : null;
      await recordSwapOverrides(tx, swap.id, overrideId, tradeOverrideId);
      const texts = swapAcceptedTexts(swap, overrideId, tradeOverrideId);
      const told = (oid: number, coverId: string, w: Window, users: string[]) =>
        users.map((u) => ({ key: `override:${oid}:displaced:${u}`, kind: "slack.post", payload: { channel: u, text: displacedText({ id: oid, schedule: swap.schedule, zone, coverId, start: w.start, end: w.end, byUserId: coverId }, u) } }));
      await enqueue(
        tx,
        [
          { key: `swap:${swap.id}:accepted:asker`, kind: "slack.post", payload: { channel: swap.askerId, text: texts.asker } },
          { key: `swap:${swap.id}:accepted:target`, kind: "slack.post", payload: { channel: swap.targetId, text: texts.target } },
          ...(swap.channel ? [{ key: `swap:${swap.id}:accepted:channel`, kind: "slack.post", payload: { channel: swap.channel, text: texts.channel } }] : []),
          ...told(overrideId, swap.targetId, swap, displaced),
          ...(trade && tradeOverrideId !== null ? told(tradeOverrideId, swap.askerId, trade, tradeDisplaced) : []),
        ],
        now,
      );
      return { overrideId, tradeOverrideId };
    });
    if (!done) throw alreadyDecided((await swapById(db, swap.id)) ?? swap);
    return { swap: { ...swap, state: "accepted", ...done }, ...done };
  }

  /** The person asked declines: nothing is made, and the asker is told. */
  async declineSwap(id: number, by: Actor): Promise<SwapRecord> {
    const { db } = this.opts;
    const now = this.opts.clock.now();
    const swap = await this.pendingSwap(id, by);
    const declined = await inTransaction(db, async (tx) => {
      if (!(await decideSwap(tx, swap.id, "declined", now))) return false;
      const text = `:x: <@${swap.targetId}> declined your swap request #${swap.id} on *${swap.schedule}* (${windowText(swap, swap.timezone)}). Nothing was changed: the shift is still yours.`;
      await enqueue(tx, [{ key: `swap:${swap.id}:declined`, kind: "slack.post", payload: { channel: swap.askerId, text } }], now);
      return true;
    });
    if (!declined) throw alreadyDecided((await swapById(db, swap.id)) ?? swap);
    return { ...swap, state: "declined" };
  }

  /** Marks a request that can no longer be accepted as expired, tells the asker once, and refuses. */
  private async expireSwap(swap: SwapRecord, reason: string, now: Date): Promise<never> {
    await inTransaction(this.opts.db, async (tx) => {
      if (!(await decideSwap(tx, swap.id, "expired", now))) return;
      const text = `:hourglass: Your swap request #${swap.id} on *${swap.schedule}* (${windowText(swap, swap.timezone)}) to <@${swap.targetId}> can no longer be accepted: ${reason}. Nothing was changed.`;
      await enqueue(tx, [{ key: `swap:${swap.id}:expired`, kind: "slack.post", payload: { channel: swap.askerId, text } }], now);
    });
    throw new UserError("conflict", `Swap request #${swap.id} can no longer be accepted: ${reason}. Nothing was changed; <@${swap.askerId}> is told.`);
  }
}

/** The answer to a request answered already (a second click, or another process first). */
function alreadyDecided(swap: SwapRecord): UserError {
  switch (swap.state) {
    case "accepted":
      return new UserError("duplicate", `Swap request #${swap.id} is already accepted${swap.overrideId ? ` (override #${swap.overrideId}${swap.tradeOverrideId ? ` and #${swap.tradeOverrideId}` : ""})` : ""}; nothing more to do.`);
    case "declined":
      return new UserError("duplicate", `Swap request #${swap.id} is already declined; <@${swap.askerId}> was told.`);
    default:
      return new UserError("conflict", `Swap request #${swap.id} has expired; nothing was changed. <@${swap.askerId}> can ask again.`);
  }
}
