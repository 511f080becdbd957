// The timeline: what happened to an incident, one event at a time, declared once here. Lifecycle
// events change the incident's state (lifecycle.ts replays them); page and postmortem events are
// on the timeline too but leave the state as it is. Everything that reads a timeline (the card,
// the channel, the postmortem draft) switches over this union.
import type { Role, Severity, Status } from "./lifecycle.ts";

/** Events of the incident's own life: `declared` starts every timeline. */
export type LifecycleEventData =
  | { kind: "declared"; title: string; severity: Severity; commanderId: string; description?: string | null; service?: string | null }
  | { kind: "severity_changed"; from: Severity; to: Severity }
  | { kind: "status_changed"; from: Status; to: Status; text?: string }
  | { kind: "commander_changed"; from: string; to: string }
  | { kind: "role_assigned"; role: Role; from: string | null; to: string }
  | { kind: "status_update"; text: string }
  | { kind: "note"; text: string };

/** Escalation events. */
export type PageEventData =
  | { kind: "page_started"; pageId: number; target: string; policy: string; message?: string | null }
  | { kind: "page_sent"; pageId: number; userId: string; level: number; round: number }
  | { kind: "escalated"; pageId: number; level: number; round: number; manual: boolean }
  | { kind: "nobody_on_call"; pageId: number; level: number; round: number }
  | { kind: "page_acknowledged"; pageId: number; userId: string }
  | { kind: "policy_exhausted"; pageId: number; policy: string; rounds: number }
  | { kind: "page_cancelled"; pageId: number; reason: string }
  /** Every alert of the page was resolved by the source that sent them: the page stopped. */
  | { kind: "page_resolved"; pageId: number; integration: string };

/** Alerts of the incident's alert group, as their source sent them (a resolved alert does not resolve the incident). */
export type AlertEventData =
  | { kind: "alerts_fired"; integration: string; count: number; summaries: string[] }
  | { kind: "alerts_resolved"; integration: string; count: number; summaries: string[] };

/**
 * The impact window said by people (`/incident impact start|end <time>`): it replaces declaration
 * (start) or mitigation and resolution (end) for the SLO error budget. `at` is an ISO instant.
 */
export type ImpactEventData = { kind: "impact_changed"; edge: "start" | "end"; at: string };

/** What an action item is for, in the postmortem's table. */
export const ACTION_ITEM_TYPES = ["mitigate", "prevent", "detect", "process"] as const;
export type ActionItemType = (typeof ACTION_ITEM_TYPES)[number];

/**
 * What came of an export: the document `created`, `updated`, or left as people edited it
 * (`kept-edits`) with the regenerated draft written next to it. Events written before the bot
 * kept edits have no outcome: they created or updated the document.
 */
export type PostmortemExportOutcome = "created" | "updated" | "kept-edits";

/** Postmortem events: follow-up work decided, and the draft exported. */
export type PostmortemEventData =
  | { kind: "action_item_added"; actionItemId: number; text: string; ownerId: string | null; type: ActionItemType; dueOn?: string | null }
  | { kind: "action_item_done"; actionItemId: number; text: string }
  | { kind: "postmortem_reviewed" }
  | {
      kind: "postmortem_exported";
      /** The document (after kept-edits: the one people edited). */
      location: string;
      url: string | null;
      outcome?: PostmortemExportOutcome;
      /** kept-edits: where the regenerated draft went. */
      regenerated?: { location: string; url: string | null };
    };

/** What a timeline event records. */
export type TimelineData = LifecycleEventData | PageEventData | AlertEventData | ImpactEventData | PostmortemEventData;

export type TimelineKind = TimelineData["kind"];

export interface TimelineEvent {
  id: bigint;
  incidentId: number;
  actorId: string;
  occurredAt: Date;
  data: TimelineData;
}

/** An event to write: the id comes from the database. */
export type NewTimelineEvent = Omit<TimelineEvent, "id">;
