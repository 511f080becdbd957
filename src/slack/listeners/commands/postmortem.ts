// `/incident action …`, `/incident actions` and `/incident postmortem [export]`.
import { incidentRef } from "../../../incidents/lifecycle.ts";
import { escapeMrkdwn } from "../../../incidents/views.ts";
import { targetOf, type CommandHandler } from "./types.ts";

export const action: CommandHandler<"action"> = async (cmd, ctx) => {
  const { postmortems } = ctx.services;
  const target = await targetOf(ctx, cmd.incident);
  const { id } = await postmortems.addActionItem(target.id, { text: cmd.text, ownerId: cmd.ownerId, type: cmd.type, dueOn: cmd.dueOn }, ctx.actor, ctx.requestKey);
  const due = cmd.dueOn ? `, due ${cmd.dueOn.toISOString().slice(0, 10)}` : "";
  return {
    text: `${incidentRef(target.number)}: action item #${id} (${cmd.type}${cmd.ownerId ? `, <@${cmd.ownerId}>` : ", no owner yet"}${due}) recorded for the postmortem.`,
    inChannel: target.channelId === ctx.channelId,
  };
};

export const actions: CommandHandler<"actions"> = async (cmd, ctx) => {
  const { postmortems } = ctx.services;
  const target = await targetOf(ctx, cmd.incident);
  const items = await postmortems.actionItems(target.id);
  if (items.length === 0) return { text: `${incidentRef(target.number)} has no action items yet: \`/incident action <text> [@owner] [type:…]\`.` };
  const line = (i: (typeof items)[number]) =>
    `• #${i.id} ${i.type}: ${escapeMrkdwn(i.text)} — ${i.ownerId ? `<@${i.ownerId}>` : "no owner yet"}${i.dueOn ? `, due ${i.dueOn.toISOString().slice(0, 10)}` : ""}${i.doneAt ? " (done)" : ""}`;
  return { text: [`*Action items of ${incidentRef(target.number)}*`, ...items.map(line)].join("\n") };
};

export const actionDone: CommandHandler<"action-done"> = async (cmd, ctx) => {
  const { incident, text, already } = await ctx.services.postmortems.completeActionItem(cmd.id, ctx.actor);
  ctx.log.bind({ incident: incidentRef(incident.number) });
  return { text: `${incidentRef(incident.number)}: action item #${cmd.id} ${already ? "was already done" : "done"}: ${escapeMrkdwn(text)}.` };
};

export const postmortemReviewed: CommandHandler<"postmortem-reviewed"> = async (cmd, ctx) => {
  const target = await targetOf(ctx, cmd.incident);
  const { already } = await ctx.services.postmortems.markReviewed(target.id, ctx.actor);
  return { text: `${incidentRef(target.number)}: the postmortem ${already ? "was already marked" : "is marked"} reviewed.` };
};

export const postmortem: CommandHandler<"postmortem"> = async (cmd, ctx) => {
  const { postmortems } = ctx.services;
  const target = await targetOf(ctx, cmd.incident);
  const queued = await postmortems.requestExport(target.id, ctx.actor);
  if (!queued) return { text: `${incidentRef(target.number)}: you asked for the postmortem draft less than a minute ago; it is on its way.` };
  return {
    text: `${incidentRef(target.number)}: writing the postmortem draft${target.postmortemLocation ? ` (updating ${target.postmortemLocation}, or writing next to it if people edited it)` : ""}; its link will be posted in the incident channel and added to the card.`,
  };
};
