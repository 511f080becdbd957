// The `/incident` command grammar: text in, a Command or an error out. Pure, no I/O.
import { ROLES, SEVERITIES, STATUSES, type Role, type Severity, type Status } from "../incidents/lifecycle.ts";
import { ACTION_ITEM_TYPES, type ActionItemType } from "../incidents/timeline.ts";

export type Command =
  | { verb: "help" }
  | { verb: "declare-modal" }
  | { verb: "declare"; title: string; severity: Severity | null; commanderId: string | null; service: string | null; private: boolean }
  | { verb: "commander"; userId: string; incident: number | null }
  | { verb: "role"; role: Role; userId: string; incident: number | null }
  | { verb: "sev"; severity: Severity; incident: number | null }
  | { verb: "status"; status: Status; incident: number | null }
  | { verb: "update"; text: string; incident: number | null }
  | { verb: "note"; text: string; incident: number | null }
  | { verb: "resolve"; text: string | null; incident: number | null }
  | { verb: "reopen"; incident: number | null }
  | { verb: "close"; incident: number | null }
  | { verb: "list" }
  | { verb: "show"; incident: number | null }
  | { verb: "timeline"; incident: number | null }
  | { verb: "oncall"; schedule: string | null }
  | { verb: "override"; schedule: string; userId: string; from: string; to: string }
  | { verb: "override-remove"; id: number }
  | { verb: "swap"; schedule: string; userId: string; from: string; to: string; trade: { from: string; to: string } | null }
  | { verb: "page"; target: string; message: string | null; incident: number | null }
  | { verb: "ack"; incident: number | null }
  | { verb: "action"; text: string; ownerId: string | null; type: ActionItemType; dueOn: Date | null; incident: number | null }
  | { verb: "action-done"; id: number }
  | { verb: "alerts" }
  | { verb: "alerts-ack"; id: number }
  | { verb: "actions"; incident: number | null }
  | { verb: "postmortem"; export: boolean; incident: number | null }
  | { verb: "postmortem-reviewed"; incident: number | null }
  | { verb: "impact"; edge: "start" | "end"; at: string; incident: number | null }
  | { verb: "slo"; service: string | null }
  | { verb: "stats"; period: "7d" | "30d" | "90d" };

export type ParseResult = { ok: true; command: Command } | { ok: false; error: string };

export const HELP_LINES: readonly [string, string][] = [
  ["/incident", "open the form to declare an incident"],
  ["/incident declare <title> [sev1-4] [private]", "declare at once; you are commander unless you name one (`… @user`); `private` makes a private channel and says nothing outside it. Example: `/incident declare Checkout is failing sev1`"],
  ["/incident commander @user", "hand command to someone (also `ic`). Example: `/incident ic @dana`"],
  ["/incident role <comms|scribe> @user", "assign the communications lead or the scribe. Example: `/incident role scribe @lee`"],
  ["/incident sev <1-4>", "change severity (SEV1 is the highest). Example: `/incident sev 2`"],
  ["/incident status <investigating|identified|monitoring|resolved|closed>", "change status. Example: `/incident status identified`"],
  ["/incident update <text>", "post a status update to the timeline, the incident channel and the announce channel"],
  ["/incident note <text>", "add a note to the timeline"],
  ["/incident resolve [text]", "resolve, with how it was resolved. Example: `/incident resolve rolled back the deploy`"],
  ["/incident reopen", "reopen a resolved incident"],
  ["/incident close", "close a resolved incident (final)"],
  ["/incident oncall [schedule]", "who is on call now, until when, and who is next"],
  ["/incident oncall override <schedule> @user <from> <to|duration>", "cover a shift. Example: `/incident oncall override platform-primary @dana 2026-03-07T18:00 2d` (times without an offset are in the schedule's zone; `now` works as a start)"],
  ["/incident oncall override remove <id>", "remove an override made from Slack (ids are listed by `/incident oncall`)"],
  ["/incident oncall swap <schedule> @user <from> <to|duration> [for <from> <to|duration>]", "ask someone to take your shift in that window (they get Accept / Decline; `/incident swap …` works too); with `for …`, a trade: you take theirs in the second window. Example: `/incident oncall swap platform-primary @dana 2026-03-07T18:00 2d for 2026-03-14T18:00 2d`"],
  ["/incident page <service|schedule|@user> [message]", "page through the service's escalation policy, the schedule's on-call, or a person. Example: `/incident page checkout DB is on fire`"],
  ["/incident ack", "acknowledge the page for this incident: stops the escalation for everyone"],
  ["/incident action <text> [@owner] [type:mitigate|prevent|detect|process] [due:YYYY-MM-DD]", "record an action item for the postmortem (also a button on the card); past its due date its owner is reminded weekly. Example: `/incident action Alert on queue depth @dana type:detect due:2026-04-30`"],
  ["/incident action done <id>", "mark an action item done (its owner is no longer reminded)"],
  ["/incident alerts", "the alerts firing now (from Alertmanager, Grafana, webhooks and heartbeats), with their page's state"],
  ["/incident alerts ack <id>", "acknowledge the page of an alert (ids are listed by `/incident alerts`), like its Acknowledge button"],
  ["/incident actions", "this incident's action items"],
  ["/incident postmortem [export]", "write the postmortem draft now and export it to the wiki (closing does it too; export again to update the same document, or write the draft next to it once people edited it)"],
  ["/incident postmortem reviewed", "say the postmortem was reviewed (stops the review reminder)"],
  ["/incident impact <start|end> <time>", "when the impact really began or ended, for the SLO error budget (`now`, `2026-03-01T09:40Z`, or `2026-03-01T09:40` in UTC). Example: `/incident impact start 2026-03-01T09:40Z`"],
  ["/incident slo [service]", "a service's SLO: its error budget, what is left, the incidents that spent it, the burn rate"],
  ["/incident stats [7d|30d|90d]", "incident metrics over the last 7, 30 (default) or 90 days: incidents declared, median and p90 time to acknowledge, mitigate and resolve, pages, on-call load (only you see it)"],
  ["/incident list", "the open incidents"],
  ["/incident show", "this incident's card"],
  ["/incident timeline", "this incident's timeline"],
  ["/incident help", "this help"],
];

export const VERBS = ["declare", "commander", "ic", "role", "sev", "status", "update", "note", "resolve", "reopen", "close", "oncall", "swap", "page", "ack", "alerts", "action", "actions", "postmortem", "impact", "slo", "stats", "list", "show", "timeline", "help"];

export function helpText(): string {
  const lines = HELP_LINES.map(([usage, what]) => `• \`${usage}\` — ${what}`);
  return [
    "*incident-bot commands*",
    ...lines,
    "Inside an incident's channel, commands act on that incident. Elsewhere, name it: `/incident sev 1 INC-42`.",
  ].join("\n");
}

const MENTION = /^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$/;
const INCIDENT_REF = /^inc-(\d+)$/i;

export function parseMention(token: string | undefined): string | null {
  if (!token) return null;
  const m = MENTION.exec(token);
  return m ? m[1] : null;
}

export function parseSeverity(token: string | undefined): Severity | null {
  if (!token) return null;
  const m = /^(?:sev)?([1-4])$/i.exec(token.trim());
  return m ? SEVERITIES[Number(m[1]) - 1] : null;
}

const ROLE_ALIASES: Record<string, Role> = {
  comms: "comms",
  communications: "comms",
  "comms-lead": "comms",
  comms_lead: "comms",
  scribe: "scribe",
};

function userError(verb: string, usage: string, token: string | undefined): string {
  if (!token) return `\`/incident ${verb}\` needs a person: \`${usage}\`.`;
  if (token.startsWith("@")) return `I could not read \`${token}\` as a person. Mention them so Slack links the name (pick them from the list as you type @): \`${usage}\`.`;
  return `\`${token}\` is not a person. Mention them with @: \`${usage}\`.`;
}

/** Removes an `INC-<n>` token (anywhere for plain verbs, only first for text verbs). */
function takeIncident(tokens: string[], anywhere: boolean): { incident: number | null; rest: string[] } {
  const at = anywhere ? tokens.findIndex((t) => INCIDENT_REF.test(t)) : INCIDENT_REF.test(tokens[0] ?? "") ? 0 : -1;
  if (at < 0) return { incident: null, rest: tokens };
  const incident = Number(INCIDENT_REF.exec(tokens[at])![1]);
  return { incident, rest: [...tokens.slice(0, at), ...tokens.slice(at + 1)] };
}

/**
 * Slack escapes `&`, `<` and `>` in what people type (so a literal `<` never looks like markup);
 * free text is decoded once here, stored as typed, and escaped once again on the way out.
 */
export function decodeSlackText(text: string): string {
  return text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

/** How long free text may be: a title, and the texts said in a channel (a section holds 3,000). */
export const MAX_TITLE = 200;
export const MAX_TEXT = 2900;

/** The text after the verb (and a leading INC-<n>), with its own spacing kept. */
function textAfter(raw: string, skip: number): string {
  let rest = raw.trim();
  for (let i = 0; i < skip; i++) rest = rest.replace(/^\S+\s*/, "");
  return rest.trim();
}

export function parseCommand(text: string): ParseResult {
  const raw = (text ?? "").trim();
  let tokens = raw.split(/\s+/).filter(Boolean);
  // `/incident INC-3 sev 1` names the incident before the verb.
  let leading: number | null = null;
  let skip = 0;
  if (tokens.length > 0 && INCIDENT_REF.test(tokens[0])) {
    leading = Number(INCIDENT_REF.exec(tokens[0])![1]);
    tokens = tokens.slice(1);
    skip = 1;
  }
  if (tokens.length === 0) return leading === null ? { ok: true, command: { verb: "declare-modal" } } : { ok: true, command: { verb: "show", incident: leading } };
  const verb = tokens[0].toLowerCase();
  const args = tokens.slice(1);
  skip += 1;
  const pick = (anywhere: boolean) => {
    const taken = takeIncident(args, anywhere);
    if (leading !== null && taken.incident !== null && leading !== taken.incident) return { ...taken, conflict: true };
    return { incident: leading ?? taken.incident, rest: taken.rest, conflict: false };
  };

  switch (verb) {
    case "help":
      return { ok: true, command: { verb: "help" } };
    case "declare":
    case "new": {
      if (args.length === 0) return { ok: true, command: { verb: "declare-modal" } };
      let rest = [...args];
      let severity: Severity | null = null;
      let commanderId: string | null = null;
      let service: string | null = null;
      let isPrivate = false;
      // Trailing options, in any order: sev1-4, @commander, service:<name>, private.
      for (;;) {
        const last = rest[rest.length - 1];
        if (last === undefined) break;
        if (!isPrivate && /^private$/i.test(last)) isPrivate = true;
        else if (severity === null && /^sev[1-4]$/i.test(last)) severity = parseSeverity(last);
        else if (commanderId === null && parseMention(last)) commanderId = parseMention(last);
        else if (service === null && /^service:[a-z0-9_.-]+$/i.test(last)) service = last.slice("service:".length);
        else if (/^sev\S*$/i.test(last) && severity === null) return { ok: false, error: `\`${last}\` is not a severity: use sev1, sev2, sev3 or sev4 (SEV1 is the highest).` };
        else break;
        rest = rest.slice(0, -1);
      }
      const title = decodeSlackText(rest.join(" ").trim());
      if (!title) return { ok: false, error: "An incident needs a title: `/incident declare Checkout is failing sev1`." };
      if (title.length > MAX_TITLE) return { ok: false, error: `That title is ${title.length} characters; keep it under ${MAX_TITLE}.` };
      return { ok: true, command: { verb: "declare", title, severity, commanderId, service, private: isPrivate } };
    }
    case "commander":
    case "ic": {
      const p = pick(true);
      if (p.conflict) return conflict();
      const userId = parseMention(p.rest[0]);
      if (!userId || p.rest.length > 1) return { ok: false, error: userError(verb, `/incident ${verb} @user`, p.rest[0]) };
      return { ok: true, command: { verb: "commander", userId, incident: p.incident } };
    }
    case "role": {
      const p = pick(true);
      if (p.conflict) return conflict();
      const role = ROLE_ALIASES[(p.rest[0] ?? "").toLowerCase()];
      if (!role) {
        return { ok: false, error: `${p.rest[0] ? `\`${p.rest[0]}\` is not a role. ` : ""}Roles: ${ROLES.join(", ")} (the commander is set with \`/incident commander @user\`). Example: \`/incident role comms @user\`.` };
      }
      const userId = parseMention(p.rest[1]);
      if (!userId || p.rest.length > 2) return { ok: false, error: userError("role", `/incident role ${role} @user`, p.rest[1]) };
      return { ok: true, command: { verb: "role", role, userId, incident: p.incident } };
    }
    case "sev":
    case "severity": {
      const p = pick(true);
      if (p.conflict) return conflict();
      const severity = parseSeverity(p.rest[0]);
      if (!severity || p.rest.length > 1) {
        return { ok: false, error: `${p.rest[0] ? `\`${p.rest.join(" ")}\` is not a severity. ` : ""}Use a number from 1 to 4 (SEV1 is the highest): \`/incident sev 2\`.` };
      }
      return { ok: true, command: { verb: "sev", severity, incident: p.incident } };
    }
    case "status": {
      const p = pick(true);
      if (p.conflict) return conflict();
      const status = (p.rest[0] ?? "").toLowerCase() as Status;
      if (!STATUSES.includes(status) || p.rest.length > 1) {
        return { ok: false, error: `${p.rest[0] ? `\`${p.rest.join(" ")}\` is not a status. ` : ""}Statuses: ${STATUSES.join(", ")}. Example: \`/incident status identified\`.` };
      }
      return { ok: true, command: { verb: "status", status, incident: p.incident } };
    }
    case "update":
    case "note":
    case "resolve": {
      const p = pick(false);
      if (p.conflict) return conflict();
      const text = decodeSlackText(textAfter(raw, skip + (p.incident !== null && leading === null ? 1 : 0)));
      if (text.length > MAX_TEXT) return { ok: false, error: `That text is ${text.length} characters; keep it under 2,900.` };
      if (verb === "resolve") return { ok: true, command: { verb: "resolve", text: text || null, incident: p.incident } };
      if (!text) return { ok: false, error: `\`/incident ${verb}\` needs some text: \`/incident ${verb} ${verb === "update" ? "Rolled back; error rate recovering" : "Paged the database team"}\`.` };
      return { ok: true, command: { verb, text, incident: p.incident } };
    }
    case "reopen":
    case "close":
    case "show":
    case "timeline": {
      const p = pick(true);
      if (p.conflict) return conflict();
      if (p.rest.length > 0) return { ok: false, error: `\`/incident ${verb}\` takes no arguments (besides an incident such as INC-42); I did not understand \`${p.rest.join(" ")}\`.` };
      return { ok: true, command: { verb, incident: p.incident } };
    }
    case "list":
      return { ok: true, command: { verb: "list" } };
    case "oncall":
    case "on-call":
      return parseOncall(args);
    case "swap": // the same as `/incident oncall swap …`
      return parseSwap(args);
    case "page": {
      const p = pick(false);
      if (p.conflict) return conflict();
      const target = p.rest[0];
      if (!target) return { ok: false, error: "Say whom to page: `/incident page <service|schedule|@user> [message]`, e.g. `/incident page checkout DB is on fire`." };
      if (target.startsWith("@")) return { ok: false, error: userError("page", "/incident page @user [message]", target) };
      const message = decodeSlackText(textAfter(raw, skip + (p.incident !== null && leading === null ? 1 : 0) + 1));
      if (message.length > MAX_TEXT) return { ok: false, error: `That message is ${message.length} characters; keep it under 2,900.` };
      return { ok: true, command: { verb: "page", target, message: message || null, incident: p.incident } };
    }
    case "action": {
      if ((args[0] ?? "").toLowerCase() === "done" && (args.length === 1 || (args.length === 2 && /^#?\d+$/.test(args[1])))) {
        const id = Number((args[1] ?? "").replace("#", ""));
        if (!Number.isSafeInteger(id) || id <= 0) return { ok: false, error: "Say which action item is done by its number: `/incident action done 12` (`/incident actions` lists them)." };
        return { ok: true, command: { verb: "action-done", id } };
      }
      const p = pick(false);
      if (p.conflict) return conflict();
      let words = textAfter(raw, skip + (p.incident !== null && leading === null ? 1 : 0)).split(/\s+/).filter(Boolean);
      let ownerId: string | null = null;
      let type: ActionItemType = "prevent";
      let dueOn: Date | null = null;
      // Trailing options in any order: @owner, type:<type>, due:<date>.
      for (;;) {
        const last = words[words.length - 1];
        if (last === undefined) break;
        if (ownerId === null && parseMention(last)) ownerId = parseMention(last);
        else if (dueOn === null && /^due:/i.test(last)) {
          dueOn = parseDueDate(last.slice(4));
          if (!dueOn) return { ok: false, error: `\`${last}\` is not a due date: use due:YYYY-MM-DD, e.g. due:2026-04-30.` };
        }
        else if (/^type:/i.test(last)) {
          const t = last.slice(5).toLowerCase() as ActionItemType;
          if (!ACTION_ITEM_TYPES.includes(t)) return { ok: false, error: `\`${last}\` is not a type of action item: use type:${ACTION_ITEM_TYPES.join(", type:")}.` };
          type = t;
        } else break;
        words = words.slice(0, -1);
      }
      const text = decodeSlackText(words.join(" "));
      if (!text) return { ok: false, error: "An action item needs a text: `/incident action Alert on queue depth @owner type:detect`." };
      if (text.length > 500) return { ok: false, error: `That action item is ${text.length} characters; keep it under 500.` };
      return { ok: true, command: { verb: "action", text, ownerId, type, dueOn, incident: p.incident } };
    }
    case "actions": {
      const p = pick(true);
      if (p.conflict) return conflict();
      return { ok: true, command: { verb: "actions", incident: p.incident } };
    }
    case "postmortem": {
      const p = pick(true);
      if (p.conflict) return conflict();
      const sub = (p.rest[0] ?? "").toLowerCase();
      if (p.rest.length > 1 || (sub && sub !== "export" && sub !== "reviewed")) {
        return { ok: false, error: "Use `/incident postmortem` (write and export the draft now), `/incident postmortem export` (export it again) or `/incident postmortem reviewed` (the review is done)." };
      }
      if (sub === "reviewed") return { ok: true, command: { verb: "postmortem-reviewed", incident: p.incident } };
      return { ok: true, command: { verb: "postmortem", export: sub === "export", incident: p.incident } };
    }
    case "impact": {
      const p = pick(true);
      if (p.conflict) return conflict();
      const edge = (p.rest[0] ?? "").toLowerCase();
      const usage = "`/incident impact start <time>` or `/incident impact end <time>`, where the time is `now`, `2026-03-01T09:40Z` or `2026-03-01T09:40` (UTC)";
      if ((edge !== "start" && edge !== "end") || p.rest.length !== 2) return { ok: false, error: `Say when the impact began or ended: ${usage}.` };
      if (parseImpactTime(p.rest[1], new Date(0)) === null) return { ok: false, error: `\`${p.rest[1]}\` is not a time: ${usage}.` };
      return { ok: true, command: { verb: "impact", edge, at: p.rest[1], incident: p.incident } };
    }
    case "slo": {
      if (args.length > 1) return { ok: false, error: "`/incident slo` takes one service name: `/incident slo checkout`." };
      return { ok: true, command: { verb: "slo", service: args[0] ?? null } };
    }
    case "stats": {
      const period = (args[0] ?? "30d").toLowerCase();
      if (args.length > 1 || (period !== "7d" && period !== "30d" && period !== "90d")) {
        return { ok: false, error: "`/incident stats` takes a period: `7d`, `30d` (the default) or `90d`, e.g. `/incident stats 7d`." };
      }
      return { ok: true, command: { verb: "stats", period } };
    }
    case "alerts":
    case "alert": {
      if (args.length === 0) return { ok: true, command: { verb: "alerts" } };
      const id = Number((args[1] ?? "").replace(/^#/, ""));
      if (args[0].toLowerCase() !== "ack" || args.length !== 2 || !Number.isSafeInteger(id) || id <= 0) {
        return { ok: false, error: "Use `/incident alerts` (the alerts firing now) or `/incident alerts ack <id>` (acknowledge the page of an alert; `/incident alerts` lists the ids)." };
      }
      return { ok: true, command: { verb: "alerts-ack", id } };
    }
    case "ack":
    case "acknowledge": {
      const p = pick(true);
      if (p.conflict) return conflict();
      if (p.rest.length > 0) return { ok: false, error: `\`/incident ack\` takes no arguments (besides an incident such as INC-42).` };
      return { ok: true, command: { verb: "ack", incident: p.incident } };
    }
    default:
      return {
        ok: false,
        error: `I don't know \`${tokens[0]}\`. Commands: ${VERBS.filter((v) => v !== "ic").join(", ")}. Try \`/incident help\` for examples.`,
      };
  }
}

/** `due:` on an action item: a date (YYYY-MM-DD) that exists, as a UTC midnight. */
export function parseDueDate(text: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return null;
  const at = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return at.toISOString().slice(0, 10) === text ? at : null;
}

/** An impact time: `now`, an instant with an offset or Z, or a date and time without one (UTC). */
export function parseImpactTime(text: string, now: Date): Date | null {
  if (/^now$/i.test(text)) return now;
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}(?::\d{2})?)(Z|[+-]\d{2}:?\d{2})?$/i.exec(text);
  if (!m) return null;
  const at = new Date(`${m[1]}T${m[2]}${m[3] ? m[3].toUpperCase() : "Z"}`);
  if (Number.isNaN(at.getTime()) || parseDueDate(m[1]) === null) return null;
  return at;
}

const OVERRIDE_USAGE = "`/incident oncall override <schedule> @user <from> <to|duration>`, e.g. `/incident oncall override platform-primary @dana 2026-03-07T18:00 2d`";
const SWAP_USAGE = "`/incident oncall swap <schedule> @user <from> <to|duration> [for <from> <to|duration>]`, e.g. `/incident oncall swap platform-primary @dana 2026-03-07T18:00 2d`";

/** `swap <schedule> @user <from> <to> [for <from> <to>]`: the asker's window, and for a trade the one they take back. */
function parseSwap(rest: string[]): ParseResult {
  const hasTrade = rest.length === 7 && rest[4].toLowerCase() === "for";
  if (rest.length !== 4 && !hasTrade) {
    return { ok: false, error: `A swap needs a schedule, a person, a start and an end (and, for a trade, \`for\` and the start and end of the shift you take back): ${SWAP_USAGE}.` };
  }
  const userId = parseMention(rest[1]);
  if (!userId) return { ok: false, error: userError("oncall swap", SWAP_USAGE.replace(/`/g, ""), rest[1]) };
  return { ok: true, command: { verb: "swap", schedule: rest[0], userId, from: rest[2], to: rest[3], trade: hasTrade ? { from: rest[5], to: rest[6] } : null } };
}

function parseOncall(args: string[]): ParseResult {
  if (args.length === 0) return { ok: true, command: { verb: "oncall", schedule: null } };
  if (args[0].toLowerCase() === "swap") return parseSwap(args.slice(1));
  if (args[0].toLowerCase() !== "override") {
    if (args.length > 1) return { ok: false, error: `\`/incident oncall\` takes one schedule name; to cover a shift use ${OVERRIDE_USAGE}; to ask someone to take yours, ${SWAP_USAGE}.` };
    return { ok: true, command: { verb: "oncall", schedule: args[0] } };
  }
  const rest = args.slice(1);
  if ((rest[0] ?? "").toLowerCase() === "remove") {
    const id = Number(rest[1]);
    if (rest.length !== 2 || !Number.isSafeInteger(id) || id <= 0) return { ok: false, error: "Say which override to remove by its number: `/incident oncall override remove 12` (`/incident oncall` lists them)." };
    return { ok: true, command: { verb: "override-remove", id } };
  }
  if (rest.length !== 4) return { ok: false, error: `An override needs a schedule, a person, a start and an end: ${OVERRIDE_USAGE}.` };
  const userId = parseMention(rest[1]);
  if (!userId) return { ok: false, error: userError("oncall override", OVERRIDE_USAGE.replace(/`/g, ""), rest[1]) };
  return { ok: true, command: { verb: "override", schedule: rest[0], userId, from: rest[2], to: rest[3] } };
}

function conflict(): ParseResult {
  return { ok: false, error: "That command names two different incidents; name one." };
}
