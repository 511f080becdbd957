// `/incident stats [7d|30d|90d]`: the incident metrics over the last days, answered to the asker
// alone, with the private incidents they may not see (not in their channel) left out, and their
// pages with them.
import { enforce, mayUseBot } from "../../../access/policy.ts";
import { reportText } from "../../../report/views.ts";
import type { CommandHandler } from "./types.ts";

export const stats: CommandHandler<"stats"> = async (cmd, ctx) => {
  enforce(mayUseBot(ctx.actor));
  const report = await ctx.services.reports.last(cmd.period, {
    visible: (incident) => ctx.services.incidents.canSee(incident, ctx.actor),
    zoneOf: (userId) => ctx.services.users.timeZone(userId),
  });
  return { text: reportText(report) };
};
