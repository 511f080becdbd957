// The shape of a command handler: it takes the parsed command and who asked where, and returns
// the reply. No HTTP, no Slack client: a handler is tested by calling it. And how a handler finds
// the incident a command is about.
import type { RequestLogger } from "../../../log.ts";
import { incidentRef } from "../../../incidents/lifecycle.ts";
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
  /** The request's logger: a handler that finds the incident names it there (`targetOf`). */
  log: RequestLogger;
}

/** The incident a command is about (named as INC-<n>, or this channel's); the request's log names it from here on. */
export async function targetOf(ctx: CommandContext, number: number | null) {
  const incident = await ctx.services.incidents.resolveTarget(ctx.channelId, number, ctx.actor);
  ctx.log.bind({ incident: incidentRef(incident.number) });
  return incident;
}

export type CommandHandler<V extends Verb> = (cmd: CommandOf<V>, ctx: CommandContext) => Promise<Reply>;

/** A handler for every verb (but the form, which opens a modal instead of answering). */
export type CommandHandlers = { [V in Exclude<Verb, "declare-modal">]: CommandHandler<V> };
