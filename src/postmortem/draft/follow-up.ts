// The sections after the analysis: action items, related incidents and the status updates posted
// during the incident (communications).
import { incidentRef } from "../../incidents/lifecycle.ts";
import { blockText, inlineText, link, who, type UserNames } from "../markdown.ts";
import { str, type Analysis } from "./analyze.ts";
import { DASH, formatUtc, inlinePrompt, prompt } from "./format.ts";
import type { PostmortemInput } from "./types.ts";

export function actionItemsSection(input: PostmortemInput, users: UserNames | undefined): string {
  const out = ["| Action | Owner | Type | Added | Ticket |", "| --- | --- | --- | --- | --- |"];
  if (input.actionItems.length === 0) {
    out.push(`| ${inlinePrompt("what will we change?")} | ${inlinePrompt("owner")} | mitigate / prevent / detect / process | ${DASH} | ${DASH} |`);
  }
  for (const item of input.actionItems) {
    out.push(
      `| ${inlineText(item.text, users) || inlinePrompt("describe the action")} | ${who(item.ownerId, users)} | ${inlineText(String(item.type))} | ${formatUtc(item.createdAt)} | ${DASH} |`,
    );
  }
  out.push("");
  out.push(prompt("Add an action for each contributing factor: mitigate (reduce impact), prevent (stop it recurring), detect (notice sooner), process (how we respond). Give each an owner and a ticket."));
  return out.join("\n");
}

export function relatedSection(input: PostmortemInput): string {
  if (input.relatedIncidents.length === 0) return "None found.";
  return input.relatedIncidents
    .map((r) => `- ${link(`${incidentRef(r.number)}: ${r.title}`, r.url ?? null)} — ${inlineText(r.severity)}, declared ${formatUtc(r.declaredAt)}`)
    .join("\n");
}

export function communicationsSection(a: Analysis, users: UserNames | undefined): string {
  if (a.updates.length === 0) return "No status updates were posted.";
  const out: string[] = [];
  for (const e of a.updates) {
    const text = blockText(e.data.kind === "status_update" ? str(e.data.text) : null, users, "  ");
    out.push(`- **${formatUtc(e.occurredAt)}, ${who(e.actorId, users)}:** ${text || DASH}`);
  }
  return out.join("\n");
}
