// Every Slack request, counted and timed by kind, name and outcome (incident_bot_requests_total,
// incident_bot_request_duration_seconds): the labels, bounded to what the bot knows. The request's
// middleware (slack/app.ts) counts it when it is done, with the outcome its log was told.
import { ACTIONS, PAGE_ACTIONS } from "../incidents/views.ts";
import type { RequestKind, RequestOutcome } from "../metrics/index.ts";
import type { Fields } from "../log.ts";
import { parseCommand } from "./grammar.ts";
import { COMMANDS } from "./listeners/commands/index.ts";

/** Action ids the listeners know, without their value part (`incident_status:resolved` → incident_status). */
const KNOWN_ACTIONS = new Set<string>([...Object.values(ACTIONS), ...Object.values(PAGE_ACTIONS)]);
const KNOWN_EVENTS = new Set(["app_mention"]);

/** The command's verb: from the COMMANDS table (or the form), else "unknown". */
export function verbOf(text: string): string {
  const parsed = parseCommand(text);
  if (parsed.ok) return parsed.command.verb;
  const first = text.trim().split(/\s+/).find((t) => !/^INC-?\d+$/i.test(t))?.toLowerCase() ?? "";
  return Object.hasOwn(COMMANDS, first) ? first : "unknown";
}

/** The request's kind and a bounded name for it (a command's verb as its listener parsed it, when it did). */
export function requestLabels(body: Record<string, unknown>, parsedVerb?: unknown): { kind: RequestKind; name: string } {
  const known = (set: Set<string>, id: unknown) => (typeof id === "string" && set.has(id) ? id : "unknown");
  if (typeof body.command === "string") {
    const verb = typeof parsedVerb === "string" && (Object.hasOwn(COMMANDS, parsedVerb) || parsedVerb === "declare-modal") ? parsedVerb : verbOf(String(body.text ?? ""));
    return { kind: "command", name: verb };
  }
  switch (body.type) {
    case "block_actions": {
      const id = (body.actions as { action_id?: string }[] | undefined)?.[0]?.action_id;
      return { kind: "action", name: known(KNOWN_ACTIONS, id?.split(":")[0]) };
    }
    case "view_submission":
    case "view_closed":
      return { kind: "view", name: known(KNOWN_ACTIONS, (body.view as { callback_id?: string } | undefined)?.callback_id) };
    case "event_callback":
      return { kind: "event", name: known(KNOWN_EVENTS, (body.event as { type?: string } | undefined)?.type) };
    default:
      return { kind: "other", name: "unknown" };
  }
}

/** The outcome a request's log was told (bad input is the person's error; nothing said: ok). */
export function outcomeOf(bindings: Fields): RequestOutcome {
  const said = bindings.outcome;
  return said === "error" ? "error" : said === "user_error" || said === "bad_input" ? "user_error" : "ok";
}
