// `/incident action …`, `/incident actions` and `/incident postmortem [export]`.
import { incidentRef } from "../../../incidents/lifecycle.ts";
import { escapeMrkdwn } from "../../../incidents/views.ts";
import { targetOf, type CommandHandler } from "./types.ts";

export const action: CommandHandler<"action"> = async (cmd, ctx) => {
  const { postmortems } = ctx.services;
  const target = await targetOf(ctx, cmd.incident);
  const { id } = await postmortems.addActionItem(target.id, { text: cmd.text, ownerId: cmd.ownerId, type: cmd.type }, ctx.actor, ctx.requestKey);
  return {
    text: `${incidentRef(target.number)}: action item #${id} (${cmd.type}${cmd.ownerId ? `, <@${cmd.ownerId}>` : ", no owner yet"}) recorded for the postmortem.`,
    inChannel: target.channelId === ctx.channelId,
  };
};

export const actions: CommandHandler<"actions"> = async (cmd, ctx) => {
  const { postmortems } = ctx.services;
  const target = await targetOf(ctx, cmd.incident);
  const items = await postmortems.actionItems(target.id);
  if (items.length === 0) return { text: `${incidentRef(target.number)} has no action items yet: \`/incident action <text> [@owner] [type:…]\`.` };
  return { text: [`*Action items of ${incidentRef(target.number)}*`, ...items.map((i) => `• #${i.id} ${i.type}: ${escapeMrkdwn(i.text)} — ${i.ownerId ? `<@${i.ownerId}>` : "no owner yet"}`)].join("\n") };
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
