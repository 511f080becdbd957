// Answering Slack within its 3 seconds: the work's reply goes in the acknowledgement when it is
// ready in time; otherwise the request is acknowledged first and the reply follows.
import type { Logger } from "../log.ts";
import { Refusal } from "../incidents/service.ts";
import { OnCallError } from "../oncall/store.ts";

export interface Reply {
  text: string;
  /** Visible to everyone in the channel (a change) or only to the person who asked. */
  inChannel?: boolean;
  blocks?: unknown[];
}

export const ACK_BUDGET_MS = 2000;

export function replyBody(reply: Reply): Record<string, unknown> {
  return { response_type: reply.inChannel ? "in_channel" : "ephemeral", text: reply.text, ...(reply.blocks ? { blocks: reply.blocks } : {}) };
}

export async function answerWithin(
  ack: (body?: Record<string, unknown>) => Promise<void>,
  work: () => Promise<Reply | null>,
  late: (reply: Reply) => Promise<void>,
  log: Logger,
): Promise<void> {
  let acked = false;
  const timer = setTimeout(() => {
    acked = true;
    ack().catch((err) => log.error(`ack failed: ${(err as Error).message}`));
  }, ACK_BUDGET_MS);
  let reply: Reply | null;
  try {
    reply = await work();
  } catch (err) {
    if (err instanceof Refusal || err instanceof OnCallError) reply = { text: err.message };
    else {
      log.error(`request failed: ${(err as Error).stack ?? err}`);
      reply = { text: "Something went wrong on our side and nothing was changed. Please try again in a moment." };
    }
  } finally {
    clearTimeout(timer);
  }
  if (!acked) {
    await ack(reply ? replyBody(reply) : undefined);
  } else if (reply) {
    await late(reply).catch((err) => log.error(`late reply failed: ${(err as Error).message}`));
  }
}
