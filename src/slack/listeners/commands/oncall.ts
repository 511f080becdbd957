// `/incident oncall …`: who is on call (in the schedule's zone and the asker's), and overrides.
import { windowText } from "../../../oncall/swaps.ts";
import { oncallText } from "../../../oncall/views.ts";
import type { CommandHandler } from "./types.ts";

export const oncall: CommandHandler<"oncall"> = async (cmd, ctx) => {
  const { oncall, users, clock } = ctx.services;
  const views = await oncall.whoIsOnCall(cmd.schedule);
  if (views.length === 0) return { text: "No schedules yet. Describe your rota in a file (see `examples/rota.yaml`) and apply it with `incident-bot rota apply <file>`." };
  const askerZone = await users.timeZone(ctx.userId);
  const now = clock.now();
  return { text: views.map((v) => oncallText(v.schedule, now, askerZone, v.overrides)).join("\n\n") };
};

export const override: CommandHandler<"override"> = async (cmd, ctx) => {
  const { id, start, end, displaced } = await ctx.services.oncall.addOverride(cmd.schedule, cmd.userId, cmd.from, cmd.to, ctx.actor);
  const told = displaced.length ? ` Told ${displaced.map((u) => `<@${u}>`).join(", ")}, whose shift it covers.` : "";
  return { text: `Override #${id}: <@${cmd.userId}> covers *${cmd.schedule}* from ${start.toISOString()} to ${end.toISOString()}.${told}`, inChannel: true };
};

export const overrideRemove: CommandHandler<"override-remove"> = async (cmd, ctx) => {
  const removed = await ctx.services.oncall.removeOverride(cmd.id, ctx.actor);
  return { text: `Removed override #${removed.id} (<@${removed.user}> on ${removed.schedule}).`, inChannel: true };
};

export const swap: CommandHandler<"swap"> = async (cmd, ctx) => {
  const swap = await ctx.services.oncall.requestSwap(
    { schedule: cmd.schedule, targetId: cmd.userId, from: cmd.from, to: cmd.to, trade: cmd.trade, requestKey: ctx.requestKey },
    ctx.actor,
  );
  const zone = swap.timezone;
  const back = swap.trade ? `, and to give you theirs (${windowText(swap.trade, zone)}) in return` : "";
  return {
    text: `Asked <@${swap.targetId}> to take your shift on *${swap.schedule}* (${windowText(swap, zone)})${back}: swap request #${swap.id}. You will be told when they answer; until they accept, the shift is yours.`,
  };
};
