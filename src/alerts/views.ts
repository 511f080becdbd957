// What alerts look like in Slack: the page's direct message (what fired, the labels that matter,
// how many alerts the group holds, the links) and the `/incident alerts` list. Pure.
import type { KnownBlock } from "@slack/types";
import type { PageState } from "../escalation/steps.ts";
import type { Incident } from "../incidents/incident.ts";
import { incidentRef } from "../incidents/lifecycle.ts";
import { clip, escapeMrkdwn, pageButtons } from "../incidents/views.ts";
import { labelsThatMatter } from "./payloads.ts";
import type { AlertRow } from "./store.ts";

export const ALERT_ACTIONS = { declare: "alert_declare" } as const;

export interface AlertPageView {
  page: { id: number; level: number; target: string; integration: string };
  groupId: number;
  /** The group's firing alerts (the first few), and how many are firing. */
  alerts: AlertRow[];
  count: number;
  /** The incident declared from these alerts, if any. */
  incident: Incident | null;
}

/** The page's direct message: Acknowledge, Escalate now and (no incident yet) Declare incident. */
export function alertPageMessage(v: AlertPageView): { text: string; blocks: KnownBlock[] } {
  const first = v.alerts[0];
  const summary = first?.summary ?? "alerts";
  const more = v.count > 1 ? ` (+${v.count - 1} more)` : "";
  const text = `:rotating_light: You are paged: ${escapeMrkdwn(summary)}${more} — from ${v.page.integration}`;
  const lines: string[] = [];
  if (v.incident) lines.push(`For ${incidentRef(v.incident.number)}${v.incident.channelId ? ` — join <#${v.incident.channelId}>` : ""}`);
  lines.push(`*${v.count} alert${v.count === 1 ? "" : "s"} firing* from *${escapeMrkdwn(v.page.integration)}*, paging ${escapeMrkdwn(v.page.target)} (level ${v.page.level})`);
  if (first) {
    const labels = labelsThatMatter(first.labels);
    if (labels.length) lines.push(labels.map(([k, val]) => `\`${escapeMrkdwn(k)}=${escapeMrkdwn(clip(val, 80))}\``).join(" "));
    const description = first.annotations.description;
    if (description && description !== first.summary) lines.push(`> ${escapeMrkdwn(clip(description, 500))}`);
  }
  if (v.alerts.length > 1) {
    lines.push(v.alerts.map((a) => `• ${escapeMrkdwn(clip(a.summary, 150))}`).join("\n") + (v.count > v.alerts.length ? `\n• … ${v.count - v.alerts.length} more` : ""));
  }
  const links = first?.links ?? [];
  if (links.length) lines.push(links.map((l) => `<${l.url}|${escapeMrkdwn(l.title)}>`).join(" · "));
  const buttons = pageButtons(v.page.id) as Extract<KnownBlock, { type: "actions" }>;
  if (!v.incident) {
    buttons.elements = [
      ...buttons.elements,
      { type: "button", text: { type: "plain_text", text: "Declare incident" }, action_id: ALERT_ACTIONS.declare, value: String(v.groupId) },
    ];
  }
  return {
    text,
    blocks: [
      { type: "header", text: { type: "plain_text", text: clip(`Alert: ${summary}${more}`, 150) } },
      { type: "section", text: { type: "mrkdwn", text: clip(lines.join("\n"), 3000) } },
      buttons,
    ],
  };
}

const PAGE_STATE_WORDS: Record<PageState, string> = {
  escalating: "escalating",
  acknowledged: "acknowledged",
  exhausted: "exhausted (nobody acknowledged)",
  cancelled: "stopped",
  resolved: "resolved by the source",
};

/** `/incident alerts`: the open alerts (a few per group, newest group first), with their page's state. */
export function alertList(
  alerts: Array<AlertRow & { page: { id: number; state: PageState; acknowledgedById: string | null } | null }>,
  firingByGroup: Map<number, number>,
  count: number,
  now: Date,
): string {
  if (alerts.length === 0) return "No alert is firing.";
  const lines: string[] = [];
  alerts.forEach((a, i) => {
    const page = a.page ? `page #${a.page.id} ${PAGE_STATE_WORDS[a.page.state]}${a.page.acknowledgedById && a.page.state === "acknowledged" ? ` by <@${a.page.acknowledgedById}>` : ""}` : "no page";
    lines.push(`• *${a.id}* ${escapeMrkdwn(a.integration)}: ${escapeMrkdwn(clip(a.summary, 120))} — since ${since(a.startsAt, now)} — ${page}`);
    const lastOfGroup = alerts[i + 1]?.groupId !== a.groupId;
    const inGroup = firingByGroup.get(a.groupId) ?? 0;
    const shownOfGroup = alerts.filter((x) => x.groupId === a.groupId).length;
    if (lastOfGroup && inGroup > shownOfGroup) lines.push(`    … and ${inGroup - shownOfGroup} more firing in this group`);
  });
  const shown = alerts.length;
  const head = `*${count} alert${count === 1 ? "" : "s"} firing*${count > shown ? ` (${shown} shown)` : ""}:`;
  return clip(`${head}\n${lines.join("\n")}\nAcknowledge one with \`/incident alerts ack <id>\`.`, 3900);
}

function since(at: Date, now: Date): string {
  const minutes = Math.max(0, Math.round((now.getTime() - at.getTime()) / 60_000));
  const ago = minutes < 60 ? `${minutes} min` : minutes < 48 * 60 ? `${Math.floor(minutes / 60)} h ${minutes % 60} min` : `${Math.floor(minutes / 1440)} d`;
  return `${at.toISOString().slice(0, 16).replace("T", " ")} UTC (${ago} ago)`;
}
