// `/incident page …`, `/incident ack` and `/incident alerts [ack <id>]`.
import { alertList } from "../../../alerts/views.ts";
import { enforce, mayUseBot } from "../../../access/policy.ts";
import { incidentRef } from "../../../incidents/lifecycle.ts";
import { escapeMrkdwn } from "../../../incidents/views.ts";
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

export const alerts: CommandHandler<"alerts"> = async (_cmd, ctx) => {
  enforce(mayUseBot(ctx.actor));
  const { alerts: open, firingByGroup, count } = await ctx.services.alerts.listOpen();
  return { text: alertList(open, firingByGroup, count, ctx.services.clock.now()) };
};

export const alertsAck: CommandHandler<"alerts-ack"> = async (cmd, ctx) => {
  const { alert, page } = await ctx.services.alerts.acknowledgeAlert(cmd.id, ctx.actor);
  return { text: `Acknowledged page #${page.id} (${page.target}) of alert ${alert.id} (${escapeMrkdwn(alert.integration)}: ${escapeMrkdwn(alert.summary)}); its escalation is stopped.` };
};
