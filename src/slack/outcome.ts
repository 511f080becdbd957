// How the Slack request being handled went, said where it is known (reply.ts handle(), a command
// that does not parse, a form with errors) and read by the request metrics (request-metrics.ts),
// through the request's own async context: nothing is threaded through the listeners.
import { AsyncLocalStorage } from "node:async_hooks";
import type { RequestOutcome } from "../metrics/index.ts";

const scope = new AsyncLocalStorage<{ outcome: RequestOutcome }>();
const RANK: Record<RequestOutcome, number> = { ok: 0, user_error: 1, error: 2 };

/** Says how the request being handled went (the worst said wins); outside a request, nothing. */
export function noteOutcome(outcome: RequestOutcome): void {
  const state = scope.getStore();
  if (state && RANK[outcome] > RANK[state.outcome]) state.outcome = outcome;
}

/** Runs a request's handling; `state.outcome` is what was said along the way ("ok" unless told). */
export function withOutcome<T>(state: { outcome: RequestOutcome }, fn: () => Promise<T>): Promise<T> {
  return scope.run(state, fn);
}
