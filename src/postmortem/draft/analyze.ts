// What the timeline says: one pass over the events for the severities and the time spent at each,
// the first page and acknowledgement, mitigation, resolution, handovers and status updates.
import { keyTimes, type KeyTimes } from "../../incidents/durations.ts";
import { ROLE_NAMES, SEVERITIES } from "../../incidents/lifecycle.ts";
import type { PostmortemInput, PostmortemTimelineEvent } from "./types.ts";

export const severityRank = (s: string): number => {
  const i = (SEVERITIES as readonly string[]).indexOf(s);
  return i < 0 ? SEVERITIES.length : i;
};

const OPEN = new Set<string>(["investigating", "identified", "monitoring"]);

export const str = (v: unknown): string | null => (typeof v === "string" ? v : typeof v === "number" || typeof v === "bigint" ? String(v) : null);

interface Handover {
  at: Date;
  actorId: string;
  role: string;
  from: string | null;
  to: string;
}

export interface Analysis {
  declaredAt: Date;
  highest: string;
  /** Milliseconds spent open at each severity. */
  timeAt: Map<string, number>;
  openMs: number;
  stillOpen: boolean;
  firstPage: Date | null;
  firstAck: Date | null;
  mitigated: Date | null;
  resolvedAt: Date | null;
  resolution: string | null;
  closedAt: Date | null;
  initialCommander: string;
  handovers: Handover[];
  updates: PostmortemTimelineEvent[];
  /** The key times as incidents/durations.ts defines them (shared with the metrics and SLO budgets). */
  keyTimes: KeyTimes;
}

export function analyze(input: PostmortemInput): Analysis {
  const { incident, timeline } = input;
  const first = timeline[0]?.data;
  const declared = first?.kind === "declared" ? first : undefined;
  const declaredAt = declared ? timeline[0].occurredAt : incident.declaredAt;
  let severity: string = str(declared?.severity) ?? incident.severity;
  if (!declared) {
    const change = timeline.map((e) => e.data).find((d) => d.kind === "severity_changed");
    severity = (change?.kind === "severity_changed" ? str(change.from) : null) ?? incident.severity;
  }
  let highest = severity;
  const raise = (s: string) => {
    if (severityRank(s) < severityRank(highest)) highest = s;
  };
  raise(incident.severity);

  const timeAt = new Map<string, number>();
  let open = true;
  let mark = declaredAt.getTime();
  let openMs = 0;
  const account = (t: number) => {
    if (t < mark) return; // out-of-order clocks: never count negative time
    if (open) {
      timeAt.set(severity, (timeAt.get(severity) ?? 0) + (t - mark));
      openMs += t - mark;
    }
    mark = t;
  };

  const times = keyTimes(timeline, incident);
  let resolvedAt: Date | null = null;
  let resolution: string | null = null;
  let closedAt: Date | null = null;
  let initialCommander = str(declared?.commanderId) ?? incident.commanderId;
  const handovers: Handover[] = [];
  const updates: PostmortemTimelineEvent[] = [];
  let sawCommanderChange = false;

  for (const e of timeline) {
    const d = e.data;
    account(e.occurredAt.getTime());
    switch (d.kind) {
      case "severity_changed": {
        const to = str(d.to);
        if (to) {
          severity = to;
          raise(to);
        }
        break;
      }
      case "status_changed": {
        const to = str(d.to);
        const from = str(d.from);
        if (to) open = OPEN.has(to);
        if (to === "resolved") {
          resolvedAt = e.occurredAt;
          resolution = str(d.text) ?? null;
        } else if (to === "closed") {
          closedAt = e.occurredAt;
        } else if (from === "resolved" || from === "closed") {
          resolvedAt = null;
          resolution = null;
          closedAt = null;
        }
        break;
      }
      case "commander_changed": {
        const to = str(d.to) ?? "";
        if (!sawCommanderChange && !declared) initialCommander = str(d.from) ?? initialCommander;
        sawCommanderChange = true;
        handovers.push({ at: e.occurredAt, actorId: e.actorId, role: "incident commander", from: str(d.from), to });
        break;
      }
      case "role_assigned": {
        const role = str(d.role) ?? "";
        const name = Object.hasOwn(ROLE_NAMES, role) ? ROLE_NAMES[role as keyof typeof ROLE_NAMES] : role;
        handovers.push({ at: e.occurredAt, actorId: e.actorId, role: name, from: str(d.from), to: str(d.to) ?? "" });
        break;
      }
      case "status_update":
        updates.push(e);
        break;
    }
  }
  const stillOpen = open;
  if (open) {
    const end = incident.resolvedAt ?? incident.closedAt ?? input.generatedAt;
    account(Math.max(end.getTime(), mark));
  }
  const rowResolved = incident.status === "resolved" || incident.status === "closed";
  return {
    declaredAt,
    highest,
    timeAt,
    openMs,
    stillOpen,
    firstPage: times.firstPageAt,
    firstAck: times.firstAckAt,
    mitigated: times.mitigatedAt,
    resolvedAt: resolvedAt ?? (rowResolved ? incident.resolvedAt : null),
    resolution: resolution ?? (rowResolved ? incident.resolution : null),
    closedAt: closedAt ?? incident.closedAt,
    initialCommander,
    handovers,
    updates,
    keyTimes: times,
  };
}
