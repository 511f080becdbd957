// The incident state machine: pure, no I/O. Every change a person can make is a Change; decide()
// says whether the table allows it from the current state and which timeline events it writes.
// replay() rebuilds the state from the timeline, so the timeline always explains the state.
import type { TimelineData } from "./timeline.ts";

export const SEVERITIES = ["SEV1", "SEV2", "SEV3", "SEV4"] as const;
export type Severity = (typeof SEVERITIES)[number];

export const STATUSES = ["investigating", "identified", "monitoring", "resolved", "closed"] as const;
export type Status = (typeof STATUSES)[number];

export const OPEN_STATUSES: readonly Status[] = ["investigating", "identified", "monitoring"];
export const isOpen = (status: Status): boolean => OPEN_STATUSES.includes(status);

export const ROLES = ["comms", "scribe"] as const;
export type Role = (typeof ROLES)[number];
export const ROLE_NAMES: Record<Role, string> = { comms: "communications lead", scribe: "scribe" };

/** Which statuses each status may move to. The only place these rules live. */
export const TRANSITIONS: Readonly<Record<Status, readonly Status[]>> = {
  investigating: ["identified", "monitoring", "resolved"],
  identified: ["investigating", "monitoring", "resolved"],
  monitoring: ["investigating", "identified", "resolved"],
  resolved: ["investigating", "closed"],
  closed: [],
};

export const canTransition = (from: Status, to: Status): boolean => TRANSITIONS[from].includes(to);

export interface IncidentState {
  title: string;
  severity: Severity;
  status: Status;
  commanderId: string;
  commsLeadId: string | null;
  scribeId: string | null;
  resolution: string | null;
}

export type Change =
  | { kind: "severity"; to: Severity }
  | { kind: "status"; to: Status; text?: string }
  | { kind: "commander"; to: string }
  | { kind: "role"; role: Role; to: string }
  | { kind: "status_update"; text: string }
  | { kind: "note"; text: string }
  | { kind: "resolve"; text?: string }
  | { kind: "reopen" }
  | { kind: "close" };

export type Decision = { ok: true; state: IncidentState; events: TimelineData[] } | { ok: false; error: string };

export const severityLabel = (s: Severity): string => s;
export const statusLabel = (s: Status): string => s.charAt(0).toUpperCase() + s.slice(1);

function describeAllowed(from: Status): string {
  const allowed = TRANSITIONS[from];
  if (allowed.length === 0) return `${statusLabel(from)} is final: nothing can change it.`;
  return `From ${from} it can move to: ${allowed.join(", ")}.`;
}

function refuseClosed(state: IncidentState): Decision | null {
  return state.status === "closed" ? { ok: false, error: "This incident is closed: closed is final, nothing can change it." } : null;
}

function statusChange(state: IncidentState, to: Status, text?: string): Decision {
  if (state.status === to) return { ok: false, error: `The incident is already ${to}. ${describeAllowed(state.status)}` };
  if (!canTransition(state.status, to)) {
    return { ok: false, error: `An incident that is ${state.status} cannot move to ${to}. ${describeAllowed(state.status)}` };
  }
  const event: TimelineData = { kind: "status_changed", from: state.status, to, ...(text ? { text } : {}) };
  return { ok: true, state: applyEvent(state, event), events: [event] };
}

export function decide(state: IncidentState, change: Change): Decision {
  switch (change.kind) {
    case "severity": {
      const closed = refuseClosed(state);
      if (closed) return closed;
      if (state.severity === change.to) return { ok: false, error: `The incident is already ${change.to}.` };
      const event: TimelineData = { kind: "severity_changed", from: state.severity, to: change.to };
      return { ok: true, state: applyEvent(state, event), events: [event] };
    }
    case "status":
      return statusChange(state, change.to, change.text);
    case "resolve":
      return statusChange(state, "resolved", change.text);
    case "reopen":
      if (state.status !== "resolved") {
        return { ok: false, error: `Only a resolved incident can be reopened; this one is ${state.status}. ${describeAllowed(state.status)}` };
      }
      return statusChange(state, "investigating");
    case "close":
      if (state.status !== "resolved" && state.status !== "closed") {
        return { ok: false, error: `Resolve the incident before closing it; it is ${state.status}. ${describeAllowed(state.status)}` };
      }
      return statusChange(state, "closed");
    case "commander": {
      const closed = refuseClosed(state);
      if (closed) return closed;
      if (state.commanderId === change.to) return { ok: false, error: `<@${change.to}> is already the incident commander.` };
      const event: TimelineData = { kind: "commander_changed", from: state.commanderId, to: change.to };
      return { ok: true, state: applyEvent(state, event), events: [event] };
    }
    case "role": {
      const closed = refuseClosed(state);
      if (closed) return closed;
      const from = change.role === "comms" ? state.commsLeadId : state.scribeId;
      if (from === change.to) return { ok: false, error: `<@${change.to}> is already the ${ROLE_NAMES[change.role]}.` };
      const event: TimelineData = { kind: "role_assigned", role: change.role, from, to: change.to };
      return { ok: true, state: applyEvent(state, event), events: [event] };
    }
    case "status_update":
    case "note": {
      const closed = refuseClosed(state);
      if (closed) return closed;
      if (!change.text.trim()) return { ok: false, error: `A ${change.kind === "note" ? "note" : "status update"} needs some text.` };
      const event: TimelineData = { kind: change.kind, text: change.text };
      return { ok: true, state, events: [event] };
    }
  }
}

/** Changes that only add to the timeline: the incident's state stays as it is. */
export function onlyAddsToTimeline(change: Change): boolean {
  return change.kind === "note" || change.kind === "status_update";
}

/** The state after one timeline event. */
export function applyEvent(state: IncidentState, event: TimelineData): IncidentState {
  switch (event.kind) {
    case "declared":
      return { title: event.title, severity: event.severity, status: "investigating", commanderId: event.commanderId, commsLeadId: null, scribeId: null, resolution: null };
    case "severity_changed":
      return { ...state, severity: event.to };
    case "status_changed":
      return {
        ...state,
        status: event.to,
        resolution: event.to === "resolved" ? (event.text ?? null) : event.to === "investigating" ? null : state.resolution,
      };
    case "commander_changed":
      return { ...state, commanderId: event.to };
    case "role_assigned":
      return event.role === "comms" ? { ...state, commsLeadId: event.to } : { ...state, scribeId: event.to };
    default:
      return state; // notes, status updates and escalation events leave the state as it is
  }
}

/** Rebuilds an incident's state from its timeline (which starts with `declared`). */
export function replay(events: readonly TimelineData[]): IncidentState {
  if (events.length === 0 || events[0].kind !== "declared") throw new Error("a timeline starts with the declared event");
  return events.reduce<IncidentState>((state, e) => applyEvent(state, e), undefined as unknown as IncidentState);
}

export const incidentRef = (n: number): string => `INC-${n}`;

/** The incident channel's name: `inc-<n>-<slug of title>`, within Slack's 80 characters. */
export function channelNameFor(number: number, title: string, suffix = 0): string {
  const prefix = `inc-${number}`;
  const tail = suffix > 0 ? `-${suffix + 1}` : "";
  const slug = title
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  const room = 80 - prefix.length - tail.length - 1;
  const cut = slug.slice(0, Math.max(0, room)).replace(/-+$/g, "");
  return cut ? `${prefix}-${cut}${tail}` : `${prefix}${tail}`;
}
