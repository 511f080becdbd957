// Every Slack request, counted and timed by kind, name and outcome (incident_bot_requests_total,
// incident_bot_request_duration_seconds). A Bolt middleware wraps the whole handling, the work after
// an acknowledgement included; the outcome is said where it is known (outcome.ts).
import type { AnyMiddlewareArgs, Middleware } from "@slack/bolt";
import { ACTIONS, PAGE_ACTIONS } from "../incidents/views.ts";
import type { Metrics, RequestKind, RequestOutcome } from "../metrics/index.ts";
import { parseCommand } from "./grammar.ts";
import { COMMANDS } from "./listeners/commands/index.ts";
import { withOutcome } from "./outcome.ts";

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

/** The request's kind and a bounded name for it. */
export function requestLabels(body: Record<string, unknown>): { kind: RequestKind; name: string } {
  const known = (set: Set<string>, id: unknown) => (typeof id === "string" && set.has(id) ? id : "unknown");
  if (typeof body.command === "string") return { kind: "command", name: verbOf(String(body.text ?? "")) };
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

/** The middleware: times the rest of the chain, then counts it with the outcome said along the way. */
export function meterRequests(metrics: Metrics): Middleware<AnyMiddlewareArgs> {
  return async ({ body, next }) => {
    const { kind, name } = requestLabels(body as unknown as Record<string, unknown>);
    const state = { outcome: "ok" as RequestOutcome };
    const started = performance.now();
    try {
      await withOutcome(state, () => next());
    } catch (err) {
      state.outcome = "error";
      throw err;
    } finally {
      metrics.request(kind, name, state.outcome, (performance.now() - started) / 1000);
    }
  };
}
