// What the draft is rendered from: the incident, its timeline, action items and related incidents,
// as plain values (the caller loads them; the renderer does no I/O).
import type { Incident } from "../../incidents/service.ts";
import type { Severity, TimelineData } from "../../incidents/lifecycle.ts";

export const ACTION_ITEM_TYPES = ["mitigate", "prevent", "detect", "process"] as const;
export type ActionItemType = (typeof ACTION_ITEM_TYPES)[number];

/** Timeline kinds written by escalation and action items, besides the lifecycle's. */
export type EscalationData =
  | { kind: "page_sent"; userId: string; level: number; policy?: string | null }
  | { kind: "page_acknowledged"; userId: string }
  | { kind: "escalated"; level: number }
  | { kind: "nobody_on_call"; level: number }
  | { kind: "policy_exhausted" }
  | { kind: "action_item_added"; text: string; ownerId: string | null; type: ActionItemType };

/** The incident as the draft needs it (the renderer stays pure: values in, Markdown out). */
export type PostmortemIncident = Pick<
  Incident,
  | "number"
  | "title"
  | "description"
  | "severity"
  | "status"
  | "commanderId"
  | "commsLeadId"
  | "scribeId"
  | "service"
  | "channelId"
  | "channelName"
  | "resolution"
  | "declaredAt"
  | "resolvedAt"
  | "closedAt"
>;

export interface PostmortemTimelineEvent {
  id: bigint | number | string;
  actorId: string;
  occurredAt: Date;
  data: TimelineData | EscalationData | { kind: string; [k: string]: unknown };
}

export interface PostmortemActionItem {
  text: string;
  ownerId: string | null;
  type: ActionItemType;
  createdAt: Date;
}

export interface RelatedIncident {
  number: number;
  title: string;
  severity: Severity;
  declaredAt: Date;
  url?: string | null;
}

export interface PostmortemInput {
  incident: PostmortemIncident;
  /** In order (oldest first). */
  timeline: PostmortemTimelineEvent[];
  actionItems: PostmortemActionItem[];
  relatedIncidents: RelatedIncident[];
  /** Slack user id → display name, when known. */
  users?: Record<string, string>;
  /** Link to the incident channel, e.g. https://<team>.slack.com/archives/C123. */
  channelUrl?: string | null;
  generatedAt: Date;
}
