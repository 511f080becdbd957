// Escalation step arithmetic: pure. A page walks its frozen policy level by level; after the last
// level it starts again from the first, `repeat` times; then it is exhausted.
import type { NotifyTarget } from "../oncall/rota-file.ts";

export interface FrozenLevel {
  notify: NotifyTarget[];
  escalateAfterSeconds: number;
}

/** The policy as it was when the page started; later edits do not change a page under way. */
export interface FrozenPolicy {
  name: string;
  levels: FrozenLevel[];
  repeat: number;
}

export interface Position {
  round: number;
  levelIndex: number;
}

/** Direct pages (a person, or a schedule's on-call) ask again every 5 minutes, twice more. */
export const DIRECT_PAGE_POLICY = { escalateAfterSeconds: 300, repeat: 2 };

export function directPolicy(target: NotifyTarget): FrozenPolicy {
  const name = target.kind === "user" ? `user:${target.userId}` : `schedule:${target.name}`;
  return { name, levels: [{ notify: [target], escalateAfterSeconds: DIRECT_PAGE_POLICY.escalateAfterSeconds }], repeat: DIRECT_PAGE_POLICY.repeat };
}

/** True when the position is past the last level of the last round. */
export const isExhausted = (policy: FrozenPolicy, p: Position): boolean => p.round > policy.repeat;

/** The position after the step at `p` is taken, and how long until it is due. */
export function nextPosition(policy: FrozenPolicy, p: Position): { next: Position; delaySeconds: number } {
  const delaySeconds = policy.levels[p.levelIndex].escalateAfterSeconds;
  const last = p.levelIndex === policy.levels.length - 1;
  return { next: last ? { round: p.round + 1, levelIndex: 0 } : { round: p.round, levelIndex: p.levelIndex + 1 }, delaySeconds };
}

/** Every step a page takes, in order, with its offset from the start: for docs and tests. */
export function walk(policy: FrozenPolicy): { position: Position; atSeconds: number }[] {
  const out: { position: Position; atSeconds: number }[] = [];
  let p: Position = { round: 0, levelIndex: 0 };
  let at = 0;
  while (!isExhausted(policy, p)) {
    out.push({ position: p, atSeconds: at });
    const { next, delaySeconds } = nextPosition(policy, p);
    p = next;
    at += delaySeconds;
  }
  out.push({ position: p, atSeconds: at }); // the exhaustion
  return out;
}

/** `resolved`: the alerts that started the page were all resolved by their source. */
export type PageState = "escalating" | "acknowledged" | "exhausted" | "cancelled" | "resolved";

/** Where a page stands: its state and its next step. */
export interface PageProgress {
  state: PageState;
  round: number;
  levelIndex: number;
  nextStepAt: Date | null;
}

export type PlannedStep =
  | { kind: "notify"; position: Position; stepAt: Date; manual: boolean }
  | { kind: "exhausted"; stepAt: Date };

/**
 * The steps of a page that are due at `now`, in order, and where the page stands after them. A
 * late tick catches up, each step once; steps are timed from when they were due, not from when
 * they were taken. `manual` (escalate now) takes the next step at once, then catches up as usual.
 */
export function dueSteps(policy: FrozenPolicy, progress: PageProgress, now: Date, manual = false): { steps: PlannedStep[]; after: PageProgress } {
  const steps: PlannedStep[] = [];
  let { state, nextStepAt } = progress;
  let position: Position = { round: progress.round, levelIndex: progress.levelIndex };
  let forced = manual;
  while (state === "escalating" && nextStepAt && (forced || nextStepAt.getTime() <= now.getTime())) {
    const stepAt = forced ? now : nextStepAt;
    if (isExhausted(policy, position)) {
      steps.push({ kind: "exhausted", stepAt });
      state = "exhausted";
      nextStepAt = null;
      break;
    }
    steps.push({ kind: "notify", position, stepAt, manual: forced });
    const { next, delaySeconds } = nextPosition(policy, position);
    position = next;
    nextStepAt = new Date(stepAt.getTime() + delaySeconds * 1000);
    forced = false;
  }
  return { steps, after: { state, round: position.round, levelIndex: position.levelIndex, nextStepAt } };
}
