// Page buttons, in the paged person's direct messages. The first acknowledgement wins; a later
// click is told who was first.
import type { View } from "@slack/types";
import { declareModal } from "../../../incidents/views.ts";
import type { Reply } from "../../reply.ts";
import type { ClickContext } from "./incident.ts";

export async function acknowledgeButton(raw: string | undefined, ctx: ClickContext): Promise<Reply | null> {
  ctx.log.bind({ page: Number(raw) });
  await ctx.services.escalation.acknowledge({ pageId: Number(raw) }, ctx.actor);
  return null;
}

export async function escalateButton(raw: string | undefined, ctx: ClickContext): Promise<Reply | null> {
  ctx.log.bind({ page: Number(raw) });
  await ctx.services.escalation.escalateNow(Number(raw), ctx.actor);
  return null;
}

/** "Declare incident" on an alerts' page: the declare form, filled from the alerts of its group. */
export async function declareFromAlertsForm(raw: string | undefined, ctx: ClickContext): Promise<View | null> {
  const groupId = Number(raw);
  const draft = await ctx.services.alerts.declarationDraft(groupId);
  return declareModal({ channelId: null, userId: ctx.userId, title: draft.title, severity: draft.severity ?? undefined, alertGroupId: groupId, service: draft.service ?? undefined });
}

/** When a page button fails on our side, the command is the way out. */
export const PAGE_APOLOGY = "Something went wrong on our side; nothing was changed. Try `/incident ack` in the incident channel.";
