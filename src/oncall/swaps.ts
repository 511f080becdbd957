// Shift swaps, in words and buttons: whether someone is on call for a whole window (from the same
// segments as `incident-bot oncall --from --to`), their shifts when they are not, and what the
// people of a swap and the schedule's channel read. Pure.
import type { KnownBlock } from "@slack/types";
import { shiftsOf, type OnCallShift } from "./ical.ts";
import { segments, type Schedule } from "./schedule.ts";
import type { SwapRecord } from "./store.ts";
import { formatIn } from "./views.ts";
import { MS_PER_DAY } from "./zoned.ts";

export const SWAP_ACTIONS = { accept: "swap_accept", decline: "swap_decline" } as const;

/** How far past the window a refusal looks for the asker's shifts. */
export const SHIFTS_AHEAD_MS = 28 * MS_PER_DAY;
/** At most this many shifts are listed in a refusal. */
const MAX_SHIFTS_LISTED = 8;

export interface Window {
  start: Date;
  end: Date;
}

/** Whether `userId` is on call for all of [start, end) (the schedule must hold the window's overrides). */
export function onCallThroughout(schedule: Schedule, userId: string, w: Window): boolean {
  const segs = segments(schedule, w.start, w.end);
  return segs.length > 0 && segs.every((s) => s.onCall.includes(userId));
}

/** Everyone on call at some time in [start, end). */
export function onCallDuring(schedule: Schedule, w: Window): string[] {
  return [...new Set(segments(schedule, w.start, w.end).flatMap((s) => s.onCall))];
}

/** One person's contiguous shifts in [from, to). */
export function shiftsOfUser(schedule: Schedule, userId: string, from: Date, to: Date): OnCallShift[] {
  return shiftsOf(segments(schedule, from, to)).filter((s) => s.userId === userId);
}

/** "Sat 7 Mar, 18:00 EST → Mon 9 Mar, 18:00 EDT" */
export function windowText(w: Window, zone: string): string {
  return `${formatIn(w.start, zone)} → ${formatIn(w.end, zone)}`;
}

/** A list of shifts, one a line (the first few). */
export function shiftsText(shifts: OnCallShift[], zone: string): string {
  const listed = shifts.slice(0, MAX_SHIFTS_LISTED).map((s) => `• ${windowText(s, zone)}`);
  if (shifts.length > MAX_SHIFTS_LISTED) listed.push(`• … and ${shifts.length - MAX_SHIFTS_LISTED} more`);
  return listed.join("\n");
}

/** The request, as the person asked reads it, with Accept and Decline. */
export function swapRequestMessage(swap: SwapRecord): { text: string; blocks: KnownBlock[] } {
  const zone = swap.timezone;
  const trade = swap.trade ? `\nIn return, <@${swap.askerId}> takes yours: ${windowText(swap.trade, zone)}.` : "";
  const text = `:arrows_counterclockwise: <@${swap.askerId}> asks you to take their on-call shift on *${swap.schedule}*: ${windowText(swap, zone)}.${trade}`;
  return {
    text,
    blocks: [
      { type: "section", text: { type: "mrkdwn", text: `${text}\nAccepting makes the override${swap.trade ? "s" : ""} at once (request #${swap.id}).` } },
      {
        type: "actions",
        block_id: `swap_${swap.id}`,
        elements: [
          { type: "button", style: "primary", text: { type: "plain_text", text: "Accept" }, action_id: SWAP_ACTIONS.accept, value: String(swap.id) },
          { type: "button", text: { type: "plain_text", text: "Decline" }, action_id: SWAP_ACTIONS.decline, value: String(swap.id) },
        ],
      },
    ],
  };
}

/** What an accepted swap tells the asker, the person who accepted, and the schedule's channel. */
export function swapAcceptedTexts(swap: SwapRecord, overrideId: number, tradeOverrideId: number | null): { asker: string; target: string; channel: string } {
  const zone = swap.timezone;
  const main = `${windowText(swap, zone)} (override #${overrideId})`;
  const back = swap.trade ? `${windowText(swap.trade, zone)} (override #${tradeOverrideId})` : "";
  return {
    asker:
      `:white_check_mark: <@${swap.targetId}> accepted your swap on *${swap.schedule}*: they cover your shift ${main}` +
      (swap.trade ? `, and you cover theirs ${back}.` : `. You will not be paged from ${swap.schedule} then.`),
    target:
      `:white_check_mark: You accepted <@${swap.askerId}>'s swap on *${swap.schedule}*: you are on call ${main}` +
      (swap.trade ? `, and <@${swap.askerId}> covers your shift ${back}.` : "."),
    channel:
      `:arrows_counterclockwise: Shift swap on *${swap.schedule}*: <@${swap.targetId}> covers <@${swap.askerId}> ${main}` +
      (swap.trade ? `; <@${swap.askerId}> covers <@${swap.targetId}> ${back}.` : "."),
  };
}
