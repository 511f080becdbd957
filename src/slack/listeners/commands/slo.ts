// `/incident impact start|end <time>` (the impact window, for the error budget) and
// `/incident slo [service]` (error budgets).
import { incidentRef } from "../../../incidents/lifecycle.ts";
import { budgetText } from "../../../slo/views.ts";
import { parseImpactTime } from "../../grammar.ts";
import { targetOf, type CommandHandler } from "./types.ts";

export const impact: CommandHandler<"impact"> = async (cmd, ctx) => {
  const target = await targetOf(ctx, cmd.incident);
  const at = parseImpactTime(cmd.at, ctx.services.clock.now())!;
  const { startAt, endAt } = await ctx.services.incidents.setImpact(target, cmd.edge, at, ctx.actor);
  const window = `${startAt.toISOString()} → ${endAt ? endAt.toISOString() : "still going on"}`;
  return { text: `${incidentRef(target.number)}: impact ${cmd.edge === "start" ? "started" : "ended"} at ${at.toISOString()} (impact window ${window}).`, inChannel: target.channelId === ctx.channelId };
};

export const slo: CommandHandler<"slo"> = async (cmd, ctx) => {
  const budgets = await ctx.services.slo.budgets(cmd.service);
  if (budgets.length === 0) return { text: "No service has an SLO yet. Give one in the rota file: `services.<name>.slo: { objective: 99.9, window: 30d, counts_from: sev2 }`." };
  return { text: budgets.map((b) => budgetText(b)).join("\n\n") };
};
