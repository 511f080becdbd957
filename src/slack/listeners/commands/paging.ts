// `/incident page …` and `/incident ack`.
import { incidentRef } from "../../../incidents/lifecycle.ts";
import { targetOf, type CommandHandler } from "./types.ts";

export const page: CommandHandler<"page"> = async (cmd, ctx) => {
  const { escalation } = ctx.services;
  const target = await targetOf(ctx, cmd.incident);
  const { page, notified } = await escalation.page(target.id, cmd.target, ctx.actor, cmd.message, ctx.requestKey);
  const who = notified.length ? notified.map((u) => `<@${u}>`).join(", ") : "nobody (nobody is on call at the first level; it will escalate)";
  return { text: `${incidentRef(target.number)}: paging ${page.target} — notified ${who}.`, inChannel: target.channelId === ctx.channelId };
};

export const ack: CommandHandler<"ack"> = async (cmd, ctx) => {
  const { escalation } = ctx.services;
  const target = await targetOf(ctx, cmd.incident);
  const { pages } = await escalation.acknowledge({ incidentId: target.id }, ctx.actor);
  return {
    text: `${incidentRef(target.number)}: acknowledged by <@${ctx.userId}>; escalation stopped (${pages.map((p) => p.target).join(", ")}).`,
    inChannel: target.channelId === ctx.channelId,
  };
};
