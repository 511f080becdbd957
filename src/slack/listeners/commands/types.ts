// The shape of a command handler: it takes the parsed command and who asked where, and returns
// the reply. No HTTP, no Slack client: a handler is tested by calling it.
import type { Command } from "../../grammar.ts";
import type { Reply } from "../../reply.ts";
import type { SlackActor } from "../../actors.ts";
import type { ListenerContext } from "../context.ts";

export type Verb = Command["verb"];
export type CommandOf<V extends Verb> = Extract<Command, { verb: V }>;

export interface CommandContext {
  userId: string;
  /** Who asked, as the access rules see them. */
  actor: SlackActor;
  channelId: string;
  /** The slash command's trigger id: a retry of the same command carries the same one. */
  requestKey: string | undefined;
  services: ListenerContext;
}

export type CommandHandler<V extends Verb> = (cmd: CommandOf<V>, ctx: CommandContext) => Promise<Reply>;

/** A handler for every verb (but the form, which opens a modal instead of answering). */
export type CommandHandlers = { [V in Exclude<Verb, "declare-modal">]: CommandHandler<V> };
