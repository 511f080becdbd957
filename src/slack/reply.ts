// Answering people: one place turns what a handler did into what Slack shows. A user error is an
// ephemeral answer that says what would work; anything else is logged and answered with an
// apology (nothing was changed). Commands
// are answered within Slack's 3 seconds: in the acknowledgement when the work is done in time,
// otherwise the request is acknowledged first and the answer follows.
import type { KnownBlock } from "@slack/types";
import { isUserError } from "../errors.ts";
import { bindLog, type Logger } from "../log.ts";

export interface Reply {
  text: string;
  /** Visible to everyone in the channel (a change) or only to the person who asked. */
  inChannel?: boolean;
  blocks?: KnownBlock[];
}

export const ACK_BUDGET_MS = 2000;

export const APOLOGY = "Something went wrong on our side and nothing was changed. Please try again in a moment.";

export function replyBody(reply: Reply): Record<string, unknown> {
  return { response_type: reply.inChannel ? "in_channel" : "ephemeral", text: reply.text, ...(reply.blocks ? { blocks: reply.blocks } : {}) };
}

/**
 * Runs a handler: its reply, a user error's message, or the apology (after logging the error).
 * A request's logger (slack/request-log.ts) is told the outcome: ok, user_error (with its code) or error.
 */
export async function handle(
  work: () => Promise<Reply | null>,
  opts: { log: Logger; what: string; apology?: string },
): Promise<Reply | null> {
  try {
    const reply = await work();
    bindLog(opts.log, { outcome: "ok" });
    return reply;
  } catch (err) {
    if (isUserError(err)) {
      bindLog(opts.log, { outcome: "user_error", code: err.code });
      return { text: err.message };
    }
    bindLog(opts.log, { outcome: "error" });
    opts.log.error(`${opts.what} failed: ${String(err)}`, { err });
    return { text: opts.apology ?? APOLOGY };
  }
}

/** Acknowledges a command with its answer when the work is done within the budget, else acknowledges first and answers late. */
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
  } finally {
    clearTimeout(timer);
  }
  if (!acked) {
    await ack(reply ? replyBody(reply) : undefined);
  } else if (reply) {
    await late(reply).catch((err) => log.error(`late reply failed: ${(err as Error).message}`));
  }
}
