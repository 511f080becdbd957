// `/incident …`: parse, dispatch by verb to its handler, answer. Bad input is answered with what
// would work, and nothing is written. Every verb's handler is in this folder, by what it is about.
import type { App } from "@slack/bolt";
import { declareModal } from "../../../incidents/views.ts";
import { parseCommand, type Command } from "../../grammar.ts";
import { answerWithin, handle } from "../../reply.ts";
import { requestLogOf } from "../../request-log.ts";
import type { ListenerContext } from "../context.ts";
import * as incident from "./incident.ts";
import * as oncall from "./oncall.ts";
import * as paging from "./paging.ts";
import * as postmortem from "./postmortem.ts";
import * as slo from "./slo.ts";
import * as stats from "./stats.ts";
import type { CommandContext, CommandHandler, CommandHandlers, Verb } from "./types.ts";
export type { CommandContext } from "./types.ts";

/** The handler of each verb. */
export const COMMANDS: CommandHandlers = {
  help: incident.help,
  declare: incident.declare,
  commander: incident.commander,
  role: incident.role,
  sev: incident.sev,
  status: incident.status,
  update: incident.update,
  note: incident.note,
  resolve: incident.resolve,
  reopen: incident.reopen,
  close: incident.close,
  list: incident.list,
  show: incident.show,
  timeline: incident.timeline,
  oncall: oncall.oncall,
  override: oncall.override,
  "override-remove": oncall.overrideRemove,
  swap: oncall.swap,
  page: paging.page,
  ack: paging.ack,
  alerts: paging.alerts,
  "alerts-ack": paging.alertsAck,
  action: postmortem.action,
  actions: postmortem.actions,
  "action-done": postmortem.actionDone,
  postmortem: postmortem.postmortem,
  "postmortem-reviewed": postmortem.postmortemReviewed,
  impact: slo.impact,
  slo: slo.slo,
  stats: stats.stats,
};

/** Runs the handler of a parsed command (the form excepted). */
export function runCommand(cmd: Exclude<Command, { verb: "declare-modal" }>, ctx: CommandContext) {
  const handler = COMMANDS[cmd.verb] as CommandHandler<Verb>;
  return handler(cmd as never, ctx);
}

export function registerCommands(app: App, services: ListenerContext): void {
  app.command("/incident", async ({ command, ack, client, body, context }) => {
    // The request's logger: its id and who asked; the verb from here, the incident once known.
    const log = requestLogOf(context, services.log);
    const parsed = parseCommand(command.text ?? "");
    if (!parsed.ok) {
      log.bind({ outcome: "bad_input" });
      await ack({ response_type: "ephemeral", text: parsed.error });
      return;
    }
    const cmd = parsed.command;
    log.bind({ verb: cmd.verb });
    if (cmd.verb === "declare-modal") {
      await ack();
      await client.views
        .open({ trigger_id: body.trigger_id, view: declareModal({ channelId: command.channel_id, userId: command.user_id }) })
        .catch((err) => {
          log.bind({ outcome: "error" });
          log.error(`could not open the declare modal: ${(err as Error).message}`);
        });
      return;
    }
    // Slack sends a trigger id with every invocation, and the same one when it retries.
    const requestKey = body.trigger_id ? `command:${body.trigger_id}` : undefined;
    const work = async () => {
      const actor = await services.actors.of(command.user_id, command.team_id ?? null);
      return runCommand(cmd, { userId: command.user_id, channelId: command.channel_id, requestKey, actor, services, log });
    };
    await answerWithin(
      ack as never,
      () => handle(work, { log, what: `/incident ${cmd.verb}` }),
      (reply) => client.chat.postEphemeral({ channel: command.channel_id, user: command.user_id, text: reply.text }).then(() => undefined),
      log,
    );
  });
}
