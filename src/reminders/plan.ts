// Reminders, pure: when each is due after a change, and what a due reminder says (or that the
// incident moved on and nothing is said). The due instants live in the database (reminders/store.ts);
// the engine takes due ones (reminders/nudges.ts). Values in, values out; no I/O.
//
// - update:  an open incident with no status update for its severity's cadence (UPDATE_REMINDERS):
//            a nudge in its channel to the communications lead, or the commander; again every cadence.
//            An update resets the clock, a severity change starts the new cadence, Snooze waits 15 min.
// - roles:   a SEV1/SEV2 without a communications lead 10 minutes after declaration (or after being
//            raised to SEV1/SEV2): one nudge to the commander.
// - close:   resolved and not closed after 24 h: one nudge to the commander.
// - review:  closed, the postmortem not marked reviewed 5 business days (Mon–Fri, UTC) after closing.
// - action items past their due date: a direct message to the owner (or the commander), weekly.
import type { Incident } from "../incidents/incident.ts";
import { isOpen, SEVERITIES, type Severity } from "../incidents/lifecycle.ts";
import type { TimelineData } from "../incidents/timeline.ts";

export const REMINDER_KINDS = ["update", "roles", "close", "review"] as const;
export type ReminderKind = (typeof REMINDER_KINDS)[number];

/** Seconds between status updates, per severity; null: no reminder. */
export type UpdateCadence = Record<Severity, number | null>;

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
export const DEFAULT_UPDATE_CADENCE: UpdateCadence = { SEV1: 30 * 60, SEV2: 60 * 60, SEV3: null, SEV4: null };
export const ROLES_AFTER_MS = 10 * MINUTE_MS;
export const CLOSE_AFTER_MS = DAY_MS;
export const REVIEW_AFTER_BUSINESS_DAYS = 5;
export const SNOOZE_MS = 15 * MINUTE_MS;
export const ACTION_ITEM_EVERY_MS = 7 * DAY_MS;
/** Severities whose incidents need a communications lead. */
export const NEEDS_COMMS: readonly Severity[] = ["SEV1", "SEV2"];

/**
 * UPDATE_REMINDERS: `sev1=30m,sev2=1h,sev3=off,sev4=off` (any subset; the rest keep their default).
 * Durations in `s`, `m` or `h`, at least a minute.
 */
export function parseUpdateCadence(text: string): { ok: true; cadence: UpdateCadence } | { ok: false; error: string } {
  const cadence: UpdateCadence = { ...DEFAULT_UPDATE_CADENCE };
  for (const part of text.split(",").map((p) => p.trim()).filter(Boolean)) {
    const m = /^sev([1-4])\s*=\s*(?:(off)|(\d{1,6})([smh]))$/i.exec(part);
    if (!m) return { ok: false, error: `"${part}" is not <severity>=<duration|off>: expected something like sev1=30m,sev2=1h,sev3=off` };
    const severity = SEVERITIES[Number(m[1]) - 1];
    if (m[2]) cadence[severity] = null;
    else {
      const seconds = Number(m[3]) * { s: 1, m: 60, h: 3600 }[m[4].toLowerCase() as "s" | "m" | "h"];
      if (seconds < 60) return { ok: false, error: `"${part}": a cadence is at least a minute` };
      cadence[severity] = seconds;
    }
  }
  return { ok: true, cadence };
}

/** `at` plus `days` weekdays (Monday–Friday, UTC), at the same time of day. */
export function addBusinessDays(at: Date, days: number): Date {
  let t = at.getTime();
  let left = days;
  while (left > 0) {
    t += DAY_MS;
    const weekday = new Date(t).getUTCDay();
    if (weekday !== 0 && weekday !== 6) left--;
  }
  return new Date(t);
}

const plus = (at: Date, ms: number) => new Date(at.getTime() + ms);

/** When the next update is due for an incident at this severity (null: none). */
export function nextUpdateAt(severity: Severity, from: Date, cadence: UpdateCadence): Date | null {
  const seconds = cadence[severity];
  return seconds === null ? null : plus(from, seconds * 1000);
}

/** What a reminder's due instant becomes: a new instant, cleared, or (roles) set only if never sent. */
export interface DueChange {
  kind: ReminderKind;
  dueAt: Date | null;
  /** Only if it was never sent (one nudge at most). */
  unlessSent?: boolean;
}

/** The incident as the reminders see it. */
export type RemindedIncident = Pick<Incident, "id" | "number" | "title" | "severity" | "status" | "commanderId" | "commsLeadId" | "declaredAt" | "channelId" | "postmortemReviewedAt" | "private">;

/**
 * What a change (its timeline events, the incident after it) does to the incident's reminders, at `now`.
 * Kinds it does not name keep their due instant.
 */
export function remindersAfter(events: readonly TimelineData[], incident: RemindedIncident, now: Date, cadence: UpdateCadence): DueChange[] {
  const out = new Map<ReminderKind, DueChange>();
  const set = (kind: ReminderKind, dueAt: Date | null, unlessSent = false) => out.set(kind, { kind, dueAt, ...(unlessSent ? { unlessSent } : {}) });
  for (const d of events) {
    switch (d.kind) {
      case "declared":
        set("update", nextUpdateAt(d.severity, now, cadence));
        set("roles", NEEDS_COMMS.includes(d.severity) ? plus(now, ROLES_AFTER_MS) : null);
        break;
      case "status_update":
        if (isOpen(incident.status)) set("update", nextUpdateAt(incident.severity, now, cadence));
        break;
      case "severity_changed":
        if (isOpen(incident.status)) set("update", nextUpdateAt(d.to, now, cadence));
        if (NEEDS_COMMS.includes(d.to) && !incident.commsLeadId) {
          const at = plus(incident.declaredAt, ROLES_AFTER_MS);
          set("roles", at.getTime() > now.getTime() ? at : now, true);
        }
        break;
      case "role_assigned":
        if (d.role === "comms") set("roles", null);
        break;
      case "status_changed":
        if (d.to === "resolved") {
          set("update", null);
          set("roles", null);
          set("close", plus(now, CLOSE_AFTER_MS));
        } else if (d.to === "closed") {
          set("close", null);
          set("review", incident.postmortemReviewedAt ? null : addBusinessDays(now, REVIEW_AFTER_BUSINESS_DAYS));
        } else if (d.from === "resolved") {
          set("close", null);
          set("update", nextUpdateAt(incident.severity, now, cadence));
        }
        break;
      case "postmortem_reviewed":
        set("review", null);
        break;
    }
  }
  return [...out.values()];
}

/** A message a due reminder sends: where, to whom, and whether it carries the update buttons. */
export interface Nudge {
  kind: ReminderKind | "action_item";
  /** A channel id, or a user id for a direct message. */
  channel: string;
  /** Who it is addressed to. */
  userId: string;
  /** Post update / Snooze 15 min. */
  buttons: boolean;
}

/** What a due reminder does at `now`: the nudge (null: the incident moved on) and when it is due next. */
export function dueReminder(kind: ReminderKind, incident: RemindedIncident, now: Date, cadence: UpdateCadence): { nudge: Nudge | null; nextDueAt: Date | null } {
  const none = { nudge: null, nextDueAt: null };
  switch (kind) {
    case "update": {
      if (!isOpen(incident.status)) return none;
      const next = nextUpdateAt(incident.severity, now, cadence);
      if (!next) return none;
      // Without a channel (its creation failed, which is reported on its own) there is nowhere to nudge.
      if (!incident.channelId) return { nudge: null, nextDueAt: next };
      return { nudge: { kind, channel: incident.channelId, userId: incident.commsLeadId ?? incident.commanderId, buttons: true }, nextDueAt: next };
    }
    case "roles":
      if (!isOpen(incident.status) || !NEEDS_COMMS.includes(incident.severity) || incident.commsLeadId) return none;
      return { nudge: { kind, channel: incident.channelId ?? incident.commanderId, userId: incident.commanderId, buttons: false }, nextDueAt: null };
    case "close":
      if (incident.status !== "resolved") return none;
      return { nudge: { kind, channel: incident.channelId ?? incident.commanderId, userId: incident.commanderId, buttons: false }, nextDueAt: null };
    case "review":
      if (incident.status !== "closed" || incident.postmortemReviewedAt) return none;
      return { nudge: { kind, channel: incident.channelId ?? incident.commanderId, userId: incident.commanderId, buttons: false }, nextDueAt: null };
  }
}

/** A due action item reminder at `now`: whom to tell (null: done, or no longer due), and when next. */
export function dueActionItem(item: { ownerId: string | null; doneAt: Date | null }, commanderId: string, now: Date): { userId: string | null; nextDueAt: Date | null } {
  if (item.doneAt) return { userId: null, nextDueAt: null };
  return { userId: item.ownerId ?? commanderId, nextDueAt: plus(now, ACTION_ITEM_EVERY_MS) };
}
