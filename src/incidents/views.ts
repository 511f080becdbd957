// Block Kit for incidents: the pinned card, the declare modal, and the texts the bot posts. Pure.
import { incidentRef, ROLE_NAMES, SEVERITIES, statusLabel, TRANSITIONS, type Status } from "./lifecycle.ts";
import type { Incident } from "./incident.ts";
import { ACTION_ITEM_TYPES, type TimelineData, type TimelineEvent } from "./timeline.ts";
import type { ActionsBlockElement, Button, InputBlock, KnownBlock, ModalView, PlainTextOption } from "@slack/types";

// Slack's limits (characters): header 150, section text 3000, button text 75, field 2000, and a
// message's text 40,000.
/** At most `max` characters, an ellipsis marking a cut. */
export const clip = (text: string, max: number): string => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

/** A message's text within Slack's limit (what would be cut is said to be). */
export const fitMessage = (text: string): string => clip(text, 40_000);

/** Escapes &, < and > as Slack's mrkdwn requires for text that is not markup. */
export const escapeMrkdwn = (text: string): string => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

export const user = (id: string | null): string => (id ? `<@${id}>` : "_unassigned_");
export const slackDate = (at: Date): string =>
  `<!date^${Math.floor(at.getTime() / 1000)}^{date_short_pretty} {time}|${at.toISOString().replace(/\.\d{3}Z$/, "Z")}>`;

const SEVERITY_EMOJI: Record<string, string> = { SEV1: ":red_circle:", SEV2: ":large_orange_circle:", SEV3: ":large_yellow_circle:", SEV4: ":white_circle:" };

export const ACTIONS = {
  status: "incident_status",
  severity: "incident_severity",
  addActionItem: "incident_action_item",
  declareView: "incident_declare",
  actionItemView: "incident_action_item_view",
} as const;

export interface ButtonValue {
  incidentId: number;
  to: string;
}

const button = (text: string, actionId: string, value: ButtonValue, style?: "primary" | "danger"): Button => ({
  type: "button",
  text: { type: "plain_text", text: clip(text, 75) },
  action_id: actionId,
  value: JSON.stringify(value),
  ...(style ? { style } : {}),
});

const NEXT_STEP_LABEL: Record<Status, string> = {
  investigating: "Investigating",
  identified: "Identified",
  monitoring: "Monitoring",
  resolved: "Resolve",
  closed: "Close",
};

/** The incident's card: pinned in its channel and edited in place on every change. */
export function incidentCard(incident: Incident): { text: string; blocks: KnownBlock[] } {
  const ref = incidentRef(incident.number);
  const blocks: KnownBlock[] = [
    { type: "header", text: { type: "plain_text", text: clip(`${ref}: ${incident.title}`, 150) } },
    {
      type: "section",
      fields: [
        { type: "mrkdwn", text: `*Severity*\n${SEVERITY_EMOJI[incident.severity]} ${incident.severity}` },
        { type: "mrkdwn", text: `*Status*\n${statusLabel(incident.status)}` },
        { type: "mrkdwn", text: `*Commander*\n${user(incident.commanderId)}` },
        { type: "mrkdwn", text: `*Communications lead*\n${user(incident.commsLeadId)}` },
        { type: "mrkdwn", text: `*Scribe*\n${user(incident.scribeId)}` },
        { type: "mrkdwn", text: `*Declared*\n${slackDate(incident.declaredAt)} by ${user(incident.declaredById)}` },
      ],
    },
  ];
  if (incident.description) {
    blocks.push({ type: "section", text: { type: "mrkdwn", text: clip(escapeMrkdwn(incident.description), 3000) } });
  }
  if (incident.resolution && (incident.status === "resolved" || incident.status === "closed")) {
    blocks.push({ type: "section", text: { type: "mrkdwn", text: clip(`*Resolution*\n${escapeMrkdwn(incident.resolution)}`, 3000) } });
  }
  const context = [
    `${ref}`,
    incident.service ? `service: ${escapeMrkdwn(incident.service)}` : null,
    incident.channelId ? `<#${incident.channelId}>` : null,
    incident.postmortemUrl ? `<${incident.postmortemUrl}|Postmortem draft>` : incident.postmortemLocation ? `postmortem draft: ${escapeMrkdwn(incident.postmortemLocation)}` : null,
  ].filter(Boolean);
  blocks.push({ type: "context", elements: [{ type: "mrkdwn", text: context.join(" · ") }] });
  if (incident.status !== "closed") {
    const elements: ActionsBlockElement[] = TRANSITIONS[incident.status].map((to) =>
      button(incident.status === "resolved" && to === "investigating" ? "Reopen" : NEXT_STEP_LABEL[to], `${ACTIONS.status}:${to}`, { incidentId: incident.id, to }, to === "resolved" ? "primary" : undefined),
    );
    elements.push(button("Add action item", ACTIONS.addActionItem, { incidentId: incident.id, to: "action_item" }));
    elements.push({
      type: "static_select",
      action_id: ACTIONS.severity,
      placeholder: { type: "plain_text", text: "Change severity" },
      options: SEVERITIES.map((s) => ({ text: { type: "plain_text", text: s }, value: JSON.stringify({ incidentId: incident.id, to: s }) })),
    });
    blocks.push({ type: "actions", block_id: `incident_actions_${incident.id}`, elements });
  }
  const text = `${ref}: ${escapeMrkdwn(incident.title)} — ${incident.severity}, ${incident.status}, commander <@${incident.commanderId}>`;
  return { text, blocks };
}

const option = (value: string): PlainTextOption => ({ text: { type: "plain_text", text: value }, value });

/** A form field choosing one of `values` (read back as state.values[blockId].value.selected_option). */
function selectInput(blockId: string, label: string, values: readonly string[], initial: string): InputBlock {
  return {
    type: "input",
    block_id: blockId,
    label: { type: "plain_text", text: label },
    element: { type: "static_select", action_id: "value", initial_option: option(initial), options: values.map(option) },
  };
}

/** The declare form; from an alerts' page, it names their group (and service) and starts with their title. */
export function declareModal(opts: { channelId: string | null; userId: string; title?: string; severity?: string; alertGroupId?: number; service?: string }): ModalView {
  return {
    type: "modal",
    callback_id: ACTIONS.declareView,
    title: { type: "plain_text", text: "Declare an incident" },
    submit: { type: "plain_text", text: "Declare" },
    close: { type: "plain_text", text: "Cancel" },
    private_metadata: JSON.stringify({ channelId: opts.channelId, ...(opts.alertGroupId ? { alertGroupId: opts.alertGroupId, service: opts.service ?? null } : {}) }),
    blocks: [
      {
        type: "input",
        block_id: "title",
        label: { type: "plain_text", text: "Title" },
        element: { type: "plain_text_input", action_id: "value", max_length: 200, placeholder: { type: "plain_text", text: "Checkout is failing for some users" }, ...(opts.title ? { initial_value: opts.title } : {}) },
      },
      selectInput("severity", "Severity", SEVERITIES, opts.severity && (SEVERITIES as readonly string[]).includes(opts.severity) ? opts.severity : "SEV3"),
      {
        type: "input",
        block_id: "description",
        optional: true,
        label: { type: "plain_text", text: "What is happening?" },
        element: { type: "plain_text_input", action_id: "value", multiline: true, max_length: 2900 },
      },
      {
        type: "input",
        block_id: "commander",
        label: { type: "plain_text", text: "Incident commander" },
        element: { type: "users_select", action_id: "value", initial_user: opts.userId },
      },
      {
        type: "input",
        block_id: "private",
        optional: true,
        label: { type: "plain_text", text: "Private" },
        hint: { type: "plain_text", text: "A private channel, no announcement, nothing said outside it. It cannot be made public later." },
        element: {
          type: "checkboxes",
          action_id: "value",
          options: [{ text: { type: "plain_text", text: "Private incident (security, people, legal)" }, value: "private" }],
        },
      },
    ],
  };
}

export function actionItemModal(incident: Incident): ModalView {
  return {
    type: "modal",
    callback_id: ACTIONS.actionItemView,
    title: { type: "plain_text", text: clip(`Action item: ${incidentRef(incident.number)}`, 24) },
    submit: { type: "plain_text", text: "Add" },
    close: { type: "plain_text", text: "Cancel" },
    private_metadata: JSON.stringify({ incidentId: incident.id }),
    blocks: [
      { type: "input", block_id: "text", label: { type: "plain_text", text: "What should be done?" }, element: { type: "plain_text_input", action_id: "value", max_length: 500 } },
      { type: "input", block_id: "owner", optional: true, label: { type: "plain_text", text: "Owner" }, element: { type: "users_select", action_id: "value" } },
      selectInput("type", "Type", ACTION_ITEM_TYPES, "prevent"),
    ],
  };
}

export function announcement(incident: Incident, event: TimelineEvent | null): string {
  const ref = incidentRef(incident.number);
  if (incident.private) return `:lock: A private incident (${ref}, ${incident.severity}) was declared; what it is about is said only in its channel.`;
  const where = incident.channelId ? ` in <#${incident.channelId}>` : "";
  const d = event?.data;
  if (!d) return `:rotating_light: *${ref} declared: ${escapeMrkdwn(incident.title)}* (${incident.severity}) — commander ${user(incident.commanderId)}${where}`;
  if (d.kind === "status_update") return `*${ref} update* (${incident.severity}, ${incident.status}): ${escapeMrkdwn(d.text)}${where}`;
  if (d.kind === "status_changed") {
    if (d.to === "resolved") return `:white_check_mark: *${ref} resolved: ${escapeMrkdwn(incident.title)}*${d.text ? ` — ${escapeMrkdwn(d.text)}` : ""}`;
    if (d.to === "closed") return `*${ref} closed: ${escapeMrkdwn(incident.title)}*`;
    if (d.from === "resolved") return `:warning: *${ref} reopened: ${escapeMrkdwn(incident.title)}*${where}`;
  }
  return `*${ref}*: ${describeEvent(d)}`;
}

/** What the incident channel is told about timeline events (one message per step). */
export function channelText(incident: Incident, events: TimelineEvent[], loud = false): string {
  const first = events[0];
  const d = first.data;
  if (d.kind === "status_update") {
    return `:mega: *Status update* (${incident.severity}, ${incident.status}) from ${user(first.actorId)}:\n${escapeMrkdwn(d.text)}`;
  }
  if (d.kind === "page_sent") {
    const people = events.map((e) => (e.data.kind === "page_sent" ? user(e.data.userId) : "")).filter(Boolean);
    return `:pager: Paged ${people.join(", ")} (level ${d.level}${d.round > 0 ? `, repeat ${d.round}` : ""}).`;
  }
  const line = `${describeEvent(d)}`;
  if (loud) return `<!channel> :rotating_light: *${incidentRef(incident.number)}: ${line}.* Page someone else with \`/incident page\`.`;
  const icon = d.kind === "page_acknowledged" || d.kind === "action_item_done" || d.kind === "postmortem_reviewed" ? ":white_check_mark:" : d.kind === "nobody_on_call" ? ":warning:" : d.kind === "impact_changed" ? ":chart_with_downwards_trend:" : ":pager:";
  return `${icon} ${line.charAt(0).toUpperCase()}${line.slice(1)}.`;
}

export const PAGE_ACTIONS = { acknowledge: "page_acknowledge", escalate: "page_escalate" } as const;

/** The direct message that pages someone. */
export function pageMessage(incident: Incident, page: { id: number; pagedById: string; message: string | null; level: number; target: string }): { text: string; blocks: KnownBlock[] } {
  const ref = incidentRef(incident.number);
  if (incident.private) return privatePageMessage(incident, page);
  const text = `:pager: You are paged for ${ref} (${incident.severity}): ${escapeMrkdwn(incident.title)} — paged by <@${page.pagedById}>`;
  const blocks: KnownBlock[] = [
    { type: "header", text: { type: "plain_text", text: clip(`Paged: ${ref} ${incident.severity}`, 150) } },
    {
      type: "section",
      text: {
        type: "mrkdwn",
        text: clip(`*${escapeMrkdwn(incident.title)}*\nPaged by ${user(page.pagedById)} through ${escapeMrkdwn(page.target)} (level ${page.level})${page.message ? `:\n> ${escapeMrkdwn(page.message)}` : ""}${incident.channelId ? `\nJoin <#${incident.channelId}>` : ""}`, 3000),
      },
    },
    pageButtons(page.id),
  ];
  return { text, blocks };
}

/** A private incident's page: only its reference and a link (the channel), nothing of what it is about. */
function privatePageMessage(incident: Incident, page: { id: number; pagedById: string; level: number }): { text: string; blocks: KnownBlock[] } {
  const ref = incidentRef(incident.number);
  const text = `:pager: You are paged for ${ref}, a private incident — paged by <@${page.pagedById}>`;
  return {
    text,
    blocks: [
      { type: "header", text: { type: "plain_text", text: `Paged: ${ref} (private)` } },
      {
        type: "section",
        text: { type: "mrkdwn", text: `A private incident: what it is about is said only in its channel${incident.channelId ? `, <#${incident.channelId}>` : ""}. Acknowledge to be invited to it.` },
      },
      pageButtons(page.id),
    ],
  };
}

export const pageButtons = (pageId: number): KnownBlock => ({
  type: "actions",
  block_id: `page_${pageId}`,
  elements: [
    { type: "button", style: "primary", text: { type: "plain_text", text: "Acknowledge" }, action_id: PAGE_ACTIONS.acknowledge, value: String(pageId) },
    { type: "button", text: { type: "plain_text", text: "Escalate now" }, action_id: PAGE_ACTIONS.escalate, value: String(pageId) },
  ],
});

export function describeEvent(d: TimelineData): string {
  switch (d.kind) {
    case "declared":
      return `declared ${d.severity} “${escapeMrkdwn(d.title)}” with ${user(d.commanderId)} as commander`;
    case "severity_changed":
      return `severity ${d.from} → ${d.to}`;
    case "status_changed":
      return `status ${d.from} → ${d.to}${d.text ? `: ${escapeMrkdwn(d.text)}` : ""}`;
    case "commander_changed":
      return `commander ${user(d.from)} → ${user(d.to)}`;
    case "role_assigned":
      return `${ROLE_NAMES[d.role]} ${d.from ? `${user(d.from)} → ` : ""}${user(d.to)}`;
    case "status_update":
      return `status update: ${escapeMrkdwn(d.text)}`;
    case "note":
      return `note: ${escapeMrkdwn(d.text)}`;
    case "page_started":
      return `started paging ${escapeMrkdwn(d.target)} (policy ${escapeMrkdwn(d.policy)})${d.message ? `: ${escapeMrkdwn(d.message)}` : ""}`;
    case "page_sent":
      return `paged ${user(d.userId)} (level ${d.level}${d.round > 0 ? `, repeat ${d.round}` : ""})`;
    case "escalated":
      return `${d.manual ? "escalated by hand" : "nobody acknowledged in time: escalated"} to level ${d.level}${d.round > 0 ? ` (repeat ${d.round})` : ""}`;
    case "nobody_on_call":
      return `nobody is on call at level ${d.level}${d.round > 0 ? ` (repeat ${d.round})` : ""}: nobody was paged there`;
    case "page_acknowledged":
      return `${user(d.userId)} acknowledged the page: escalation stopped`;
    case "policy_exhausted":
      return `escalation policy ${escapeMrkdwn(d.policy)} exhausted: nobody acknowledged after ${d.rounds} round${d.rounds === 1 ? "" : "s"}`;
    case "page_cancelled":
      return `stopped paging: ${escapeMrkdwn(d.reason)}`;
    case "page_resolved":
      return `resolved by the source: every alert of the page from ${escapeMrkdwn(d.integration)} is resolved; paging stopped`;
    case "alerts_fired":
    case "alerts_resolved":
      return `${d.count} alert${d.count === 1 ? "" : "s"} ${d.kind === "alerts_fired" ? "firing" : "resolved by the source"} (${escapeMrkdwn(d.integration)}): ${d.summaries.map(escapeMrkdwn).join("; ")}${d.count > d.summaries.length ? "; …" : ""}`;
    case "action_item_added":
      return `action item (${d.type}${d.ownerId ? `, ${user(d.ownerId)}` : ", no owner yet"}${d.dueOn ? `, due ${d.dueOn}` : ""}): ${escapeMrkdwn(d.text)}`;
    case "action_item_done":
      return `action item #${d.actionItemId} done: ${escapeMrkdwn(d.text)}`;
    case "postmortem_reviewed":
      return "the postmortem was reviewed";
    case "impact_changed":
      return `impact ${d.edge === "start" ? "started" : "ended"} at ${d.at.slice(0, 16).replace("T", " ")} UTC`;
    case "postmortem_exported": {
      const link = (to: { location: string; url: string | null }) => (to.url ? `<${to.url}|${escapeMrkdwn(to.location)}>` : escapeMrkdwn(to.location));
      if (d.outcome === "kept-edits" && d.regenerated) {
        return `postmortem draft not written over ${link(d)}: people edited it, so it is kept as they left it; the regenerated draft is next to it: ${link(d.regenerated)}`;
      }
      return `postmortem draft exported: ${link(d)}`;
    }
  }
}

export function timelineText(incident: Incident, events: TimelineEvent[]): string {
  const lines = events.map((e) => `• ${e.occurredAt.toISOString().slice(0, 16).replace("T", " ")} UTC — ${user(e.actorId)}: ${describeEvent(e.data)}`);
  const head = `*Timeline of ${incidentRef(incident.number)}: ${escapeMrkdwn(incident.title)}*`;
  let out = head;
  let shown = 0;
  for (const line of lines) {
    if (out.length + line.length + 1 > 2800) break;
    out += `\n${line}`;
    shown++;
  }
  if (shown < lines.length) out += `\n…and ${lines.length - shown} more events.`;
  return out;
}

export function incidentListText(open: Incident[]): string {
  if (open.length === 0) return "There are no open incidents.";
  return ["*Open incidents*", ...open.map((i) => `• *${incidentRef(i.number)}* ${escapeMrkdwn(i.title)} — ${i.severity}, ${i.status}, commander ${user(i.commanderId)}${i.channelId ? ` <#${i.channelId}>` : ""}`)].join("\n");
}

/** One line saying what a change did, for the reply to the person who made it. */
export function changeSummary(incident: Incident, events: TimelineEvent[]): string {
  const ref = incidentRef(incident.number);
  return events.map((e) => `${ref}: ${describeEvent(e.data)}`).join("\n");
}
