// What the draft is rendered from: the incident, its timeline, action items and related incidents,
// as plain values (the caller loads them; the renderer does no I/O).
import type { Incident } from "../../incidents/incident.ts";
import type { Severity } from "../../incidents/lifecycle.ts";
import type { ActionItemType, TimelineData } from "../../incidents/timeline.ts";

export { ACTION_ITEM_TYPES, type ActionItemType } from "../../incidents/timeline.ts";

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
  /** The timeline's own union: the draft switches over it (an unknown kind, from a newer version, is said as such). */
  data: TimelineData;
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

/** The SLO of the incident's service and what the incident spent of its budget (for the Impact section). */
export interface PostmortemSlo {
  service: string;
  objective: number;
  windowSeconds: number;
  countsFrom: Severity;
}

export interface PostmortemInput {
  /** Its service's SLO, when it has one. */
  slo?: PostmortemSlo | null;
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
