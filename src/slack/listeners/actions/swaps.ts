// Shift swap buttons, in the direct message to the person asked. The first answer wins; a later
// click (or the same click on another process) is told the request was answered.
import type { Reply } from "../../reply.ts";
import type { ClickContext } from "./incident.ts";

export async function acceptSwapButton(raw: string | undefined, ctx: ClickContext): Promise<Reply | null> {
  ctx.log.bind({ swap: Number(raw) });
  // Both people are told by direct message (and the schedule's channel, if the rota names one).
  await ctx.services.oncall.acceptSwap(Number(raw), ctx.actor, (userId) => ctx.services.actors.of(userId));
  return null;
}

export async function declineSwapButton(raw: string | undefined, ctx: ClickContext): Promise<Reply | null> {
  ctx.log.bind({ swap: Number(raw) });
  const swap = await ctx.services.oncall.declineSwap(Number(raw), ctx.actor);
  return { text: `Declined swap request #${swap.id}; <@${swap.askerId}> is told.` };
}

/** When a swap button fails on our side. */
export const SWAP_APOLOGY = "Something went wrong on our side; nothing was changed. Please click again in a moment.";
