// `/incident` verbs of the incident itself: declare, change (commander, role, severity, status,
// update, note, resolve, reopen, close), and look (list, show, timeline, help).
import type { Change } from "../../../incidents/lifecycle.ts";
import { incidentRef } from "../../../incidents/lifecycle.ts";
import { changeSummary, incidentCard, incidentListText, timelineText } from "../../../incidents/views.ts";
import { helpText } from "../../grammar.ts";
import type { Reply } from "../../reply.ts";
import { targetOf, type CommandContext, type CommandHandler } from "./types.ts";

/** Applies a change to the incident named (or this channel's) and says what changed. */
async function change(incidentNumber: number | null, change: Change, ctx: CommandContext): Promise<Reply> {
  const { incidents } = ctx.services;
  // This channel's incident is found (and locked) in the change's own transaction.
  const target = incidentNumber === null && ctx.channelId ? { channelId: ctx.channelId } : await targetOf(ctx, incidentNumber);
  const result = await incidents.change(target, change, ctx.actor, ctx.requestKey);
  ctx.log.bind({ incident: incidentRef(result.incident.number) });
  if (result.duplicate) return { text: `${incidentRef(result.incident.number)}: already done.` };
  const elsewhere = result.incident.channelId !== ctx.channelId;
  return { text: changeSummary(result.incident, result.events), inChannel: !elsewhere && change.kind !== "note" };
}

export const help: CommandHandler<"help"> = async () => ({ text: helpText() });

export const declare: CommandHandler<"declare"> = async (cmd, ctx) => {
  const { incident, duplicate } = await ctx.services.incidents.declare(
    { title: cmd.title, severity: cmd.severity ?? "SEV3", commanderId: cmd.commanderId, service: cmd.service, private: cmd.private },
    ctx.actor,
    ctx.requestKey,
  );
  const ref = incidentRef(incident.number);
  ctx.log.bind({ incident: ref });
  return {
    text: `${duplicate ? "Already declared: " : ""}*${ref}* declared${incident.private ? " as a private incident" : ""} (${incident.severity}${cmd.severity ? "" : ", the default; change it with `/incident sev <1-4>`"}) with <@${incident.commanderId}> as commander. Its channel is #${incident.channelName}.`,
  };
};

export const commander: CommandHandler<"commander"> = (cmd, ctx) => change(cmd.incident, { kind: "commander", to: cmd.userId }, ctx);

export const role: CommandHandler<"role"> = (cmd, ctx) => change(cmd.incident, { kind: "role", role: cmd.role, to: cmd.userId }, ctx);

export const sev: CommandHandler<"sev"> = (cmd, ctx) => change(cmd.incident, { kind: "severity", to: cmd.severity }, ctx);

export const status: CommandHandler<"status"> = (cmd, ctx) =>
  change(cmd.incident, cmd.status === "resolved" ? { kind: "resolve" } : cmd.status === "closed" ? { kind: "close" } : { kind: "status", to: cmd.status }, ctx);

export const update: CommandHandler<"update"> = async (cmd, ctx) => ({
  ...(await change(cmd.incident, { kind: "status_update", text: cmd.text }, ctx)),
  inChannel: false,
  text: "Status update posted.",
});

export const note: CommandHandler<"note"> = (cmd, ctx) => change(cmd.incident, { kind: "note", text: cmd.text }, ctx);

export const resolve: CommandHandler<"resolve"> = (cmd, ctx) => change(cmd.incident, { kind: "resolve", text: cmd.text ?? undefined }, ctx);

export const reopen: CommandHandler<"reopen"> = (cmd, ctx) => change(cmd.incident, { kind: "reopen" }, ctx);

export const close: CommandHandler<"close"> = (cmd, ctx) => change(cmd.incident, { kind: "close" }, ctx);

export const list: CommandHandler<"list"> = async (_cmd, ctx) => ({ text: incidentListText(await ctx.services.incidents.listOpen(ctx.actor)) });

export const show: CommandHandler<"show"> = async (cmd, ctx) => {
  const incident = await targetOf(ctx, cmd.incident);
  const card = incidentCard(incident);
  return { text: card.text, blocks: card.blocks.filter((b) => b.type !== "actions") };
};

export const timeline: CommandHandler<"timeline"> = async (cmd, ctx) => {
  const { incidents } = ctx.services;
  const incident = await targetOf(ctx, cmd.incident);
  return { text: timelineText(incident, await incidents.timeline(incident.id)) };
};
