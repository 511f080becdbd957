// Each Slack request's logger, made as the request enters (slack/app.ts's middleware): a request
// id (`req`), who asked (`actor`, their Slack user id) and what it is (`kind` and the command,
// action, form or event). Listeners add what they learn (the verb, the incident as `INC-<n>`, the
// outcome) and pass it on; when the request has been handled, one line says so, with all of that
// and how long it took.
import { newRequestId, requestLogger, type Fields, type Logger, type RequestLogger } from "../log.ts";

/** Where the request's logger is kept in Bolt's context (which every listener is given). */
const CONTEXT_KEY = "requestLog";

type Body = Record<string, any>;

/** Who asked and what, from a request's body (slash command, interaction, form, or event). */
export function requestFields(body: Body): Fields {
  const actor: unknown = body.user_id ?? body.user?.id ?? body.event?.user;
  const who = typeof actor === "string" ? { actor } : {};
  if (typeof body.command === "string") return { kind: "command", command: body.command, ...who };
  switch (body.type) {
    case "block_actions":
      return { kind: "action", action: body.actions?.[0]?.action_id, ...who };
    case "view_submission":
    case "view_closed":
      return { kind: "view", view: body.view?.callback_id, ...who };
    case "event_callback":
      return { kind: "event", event: body.event?.type, ...who };
    default:
      return { kind: typeof body.type === "string" ? body.type : "unknown", ...who };
  }
}

/** A new request's logger, kept in the context for its listeners. */
export function startRequestLog(log: Logger, body: Body, context: Record<string, unknown>): RequestLogger {
  const requestLog = requestLogger(log, { req: newRequestId(), ...requestFields(body) });
  context[CONTEXT_KEY] = requestLog;
  return requestLog;
}

/** The request's logger (one of its own when the middleware did not make one: a listener called directly). */
export function requestLogOf(context: Record<string, unknown> | undefined, fallback: Logger): RequestLogger {
  const found = context?.[CONTEXT_KEY] as RequestLogger | undefined;
  return found ?? requestLogger(fallback, { req: newRequestId() });
}

/** The line that says a request was handled: what it was, and how long it took (`startedAt` from performance.now()). */
export function logHandled(log: RequestLogger, startedAt: number): void {
  const f = log.bindings();
  const what =
    f.kind === "command" ? [f.command, f.verb].filter(Boolean).join(" ") : `${String(f.kind)} ${String(f.action ?? f.view ?? f.event ?? "")}`.trim();
  log.info(`handled ${what}`, { ms: Math.round(performance.now() - startedAt) });
}
