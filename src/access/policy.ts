// Who may do what: the one table of the bot's access rules, pure. Services ask it with what they
// know (the actor, the incident or page or schedule, the rota's admins and owners) and refuse with
// its answer, which says who may. Nothing is written when it says no.
//
// | action                                                        | allowed for                                   |
// |---------------------------------------------------------------|-----------------------------------------------|
// | declare, note, update, action item, page, look at an incident | any member of the workspace                   |
// | severity, status, resolve, reopen, close, commander, roles,   | the commander, the incident's roles, admins   |
// |   postmortem export and review, impact start/end              |                                               |
// | acknowledge / escalate now a page                             | whoever it notified, the commander, admins    |
// | add an override (at most max_override long)                   | the person who will cover, owners, admins     |
// | remove an override                                            | whoever created it, owners, admins            |
// | ask someone to take your shift (a swap; each override it      | whoever is on call for the whole window       |
// |   makes at most max_override long)                            |                                               |
// | accept a swap (its override is added in the accepter's name)  | the person asked (as for adding an override)  |
//
// Guests (single- and multi-channel) and people of another workspace may do nothing. A private
// incident is seen and changed only by the people in its channel.
import { UserError } from "../errors.ts";

/** Who is asking, as Slack describes them. */
export interface Actor {
  userId: string;
  /** A single- or multi-channel guest (Slack's is_restricted / is_ultra_restricted). */
  guest: boolean;
  /** A person of another workspace (Slack Connect, or another org's member). */
  otherWorkspace: boolean;
  /** The user groups (S…) named by the access rules that this person is in. */
  groups: ReadonlySet<string>;
  /** Whether the person is in a channel (asked only for private incidents). */
  inChannel(channelId: string): Promise<boolean>;
}

/** Someone who may do anything: the rota's admins. */
export interface AccessRules {
  admins: readonly string[];
}

export type Decision = { ok: true } | { ok: false; reason: string };

const YES: Decision = { ok: true };
const no = (reason: string): Decision => ({ ok: false, reason });

/** The actor is one of these people or in one of these user groups. */
export function isOneOf(actor: Actor, principals: readonly (string | null | undefined)[]): boolean {
  return principals.some((p) => !!p && (p === actor.userId || actor.groups.has(p)));
}

/** How a list of principals is said: <@U…> for people, <!subteam^S…> for user groups. */
export function named(principals: readonly (string | null | undefined)[]): string {
  const shown = [...new Set(principals.filter((p): p is string => !!p))].map((p) => (p.startsWith("S") ? `<!subteam^${p}>` : `<@${p}>`));
  return shown.join(", ");
}

const adminsPart = (rules: AccessRules) => (rules.admins.length > 0 ? `admins (${named(rules.admins)})` : "admins (none are named in the rota file)");

/** Any member of the workspace: not a guest, not someone of another workspace. */
export function mayUseBot(actor: Actor): Decision {
  if (actor.otherWorkspace) return no("This bot serves its own workspace: people of another workspace cannot use it.");
  if (actor.guest) return no("Guests cannot act on incidents here; ask a member of the workspace.");
  return YES;
}

/** What a change is called in a refusal: "change the severity of INC-4". */
export type ResponderAction = "severity" | "status" | "resolve" | "reopen" | "close" | "commander" | "role" | "postmortem_export" | "impact";

const WHAT: Record<ResponderAction, string> = {
  severity: "change its severity",
  status: "change its status",
  resolve: "resolve it",
  reopen: "reopen it",
  close: "close it",
  commander: "hand over command",
  role: "assign its roles",
  postmortem_export: "export its postmortem",
  impact: "edit its impact window",
};

/** The incident's people in charge: its commander and roles. */
export interface Responders {
  ref: string;
  commanderId: string;
  commsLeadId: string | null;
  scribeId: string | null;
}

/** Severity, status, resolve, reopen, close, command, roles, postmortem export: the commander, the roles, admins. */
export function mayRespond(actor: Actor, action: ResponderAction, incident: Responders, rules: AccessRules): Decision {
  const member = mayUseBot(actor);
  if (!member.ok) return member;
  if (isOneOf(actor, [incident.commanderId, incident.commsLeadId, incident.scribeId, ...rules.admins])) return YES;
  const roles = [incident.commsLeadId, incident.scribeId].filter(Boolean);
  return no(
    `Only the incident commander (${named([incident.commanderId])})${roles.length ? `, the incident's roles (${named(roles)})` : ", the incident's roles"} and ${adminsPart(rules)} may ${WHAT[action]} for ${incident.ref}.`,
  );
}

/** Acknowledge or escalate a page: whoever it notified, the incident's commander, admins. */
export function mayHandlePage(
  actor: Actor,
  what: "acknowledge" | "escalate",
  page: { ref: string; notified: readonly string[]; commanderId: string | null },
  rules: AccessRules,
): Decision {
  const member = mayUseBot(actor);
  if (!member.ok) return member;
  if (isOneOf(actor, [...page.notified, ...(page.commanderId ? [page.commanderId] : []), ...rules.admins])) return YES;
  const notified = page.notified.length ? `the people it paged (${named(page.notified)})` : "the people it paged";
  const commander = page.commanderId ? `, the incident commander (${named([page.commanderId])})` : "";
  return no(`Only ${notified}${commander} and ${adminsPart(rules)} may ${what} this page of ${page.ref}.`);
}

/** Add an override: the person who will cover, the schedule's owners, admins; never longer than allowed. */
export function mayAddOverride(
  actor: Actor,
  o: { schedule: string; coverId: string; owners: readonly string[]; durationSeconds: number; maxSeconds: number },
  rules: AccessRules,
): Decision {
  const member = mayUseBot(actor);
  if (!member.ok) return member;
  if (!isOneOf(actor, [o.coverId, ...o.owners, ...rules.admins])) {
    const owners = o.owners.length ? `the owners of ${o.schedule} (${named(o.owners)})` : `the owners of ${o.schedule} (none are named)`;
    return no(`Only the person who will cover (${named([o.coverId])}), ${owners} and ${adminsPart(rules)} may add this override.`);
  }
  if (o.durationSeconds > o.maxSeconds) {
    return no(`An override may last at most ${formatSeconds(o.maxSeconds)} (max_override in the rota file's access section); this one lasts ${formatSeconds(o.durationSeconds)}.`);
  }
  return YES;
}

/**
 * Ask someone to take your shift (and, for a trade, to give you theirs): being on call for the
 * whole window is the permission. `shifts` says when the asker is on call instead (a sentence and a list).
 */
export function mayAskSwap(
  actor: Actor,
  s: { schedule: string; window: string; onCall: boolean; shifts: string; durationsSeconds: readonly number[]; maxSeconds: number },
): Decision {
  const member = mayUseBot(actor);
  if (!member.ok) return member;
  if (!s.onCall) return no(`You are not on call on ${s.schedule} for all of ${s.window}, so there is no shift of yours to swap then. ${s.shifts}`);
  const longest = Math.max(...s.durationsSeconds);
  if (longest > s.maxSeconds) {
    return no(`An override may last at most ${formatSeconds(s.maxSeconds)} (max_override in the rota file's access section); this swap would make one of ${formatSeconds(longest)}. Ask for a shorter window.`);
  }
  return YES;
}

/** Remove an override: whoever created it, the schedule's owners, admins. */
export function mayRemoveOverride(actor: Actor, o: { id: number; schedule: string; createdById: string | null; owners: readonly string[] }, rules: AccessRules): Decision {
  const member = mayUseBot(actor);
  if (!member.ok) return member;
  if (isOneOf(actor, [o.createdById, ...o.owners, ...rules.admins])) return YES;
  const creator = o.createdById ? `whoever created it (${named([o.createdById])})` : "whoever created it";
  const owners = o.owners.length ? `the owners of ${o.schedule} (${named(o.owners)})` : `the owners of ${o.schedule}`;
  return no(`Only ${creator}, ${owners} and ${adminsPart(rules)} may remove override #${o.id}.`);
}

/** A private incident is for the people in its channel (admins included only when they are there). */
export function maySeeIncident(actor: Actor, incident: { ref: string; private: boolean }, inChannel: boolean): Decision {
  const member = mayUseBot(actor);
  if (!member.ok) return member;
  if (!incident.private || inChannel) return YES;
  return no(`${incident.ref} is a private incident: only the people in its channel can see or change it. Ask its commander to invite you.`);
}

/** "14 days", "36 hours", "90 minutes". */
export function formatSeconds(seconds: number): string {
  if (seconds % 86_400 === 0) return `${seconds / 86_400} day${seconds === 86_400 ? "" : "s"}`;
  if (seconds % 3600 === 0) return `${seconds / 3600} hour${seconds === 3600 ? "" : "s"}`;
  if (seconds % 60 === 0) return `${seconds / 60} minute${seconds === 60 ? "" : "s"}`;
  return `${seconds} seconds`;
}

/** How many pages one person may start in a window. */
export interface PageRateLimit {
  count: number;
  windowSeconds: number;
}

/** Paging, within the rate limit: a person who pages again and again is asked to wait. */
export function mayPage(actor: Actor, pagesInWindow: number, limit: PageRateLimit): Decision {
  const member = mayUseBot(actor);
  if (!member.ok) return member;
  if (pagesInWindow < limit.count) return YES;
  return no(`You have started ${pagesInWindow} pages in the last ${formatSeconds(limit.windowSeconds)}, the most anyone may; wait a little, or ask an admin to page.`);
}

/** Refuses (nothing is written) with the decision's reason, which says who may. */
export function enforce(decision: Decision, code: "forbidden" | "rate_limited" = "forbidden"): void {
  if (!decision.ok) throw new UserError(code, decision.reason);
}
