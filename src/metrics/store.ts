// What /metrics reads from the database at scrape time: the outbox's backlog by lane, escalation
// steps due and not yet taken, and open incidents by severity. One statement (one round trip, one
// connection), through indexes: the outbox's (state, next_attempt_at), the partial index on pages
// still escalating; open incidents are few.
import type { Db } from "../db/client.ts";
import { LANES, type Lane } from "../db/outbox.ts";

export const SEVERITIES = ["SEV1", "SEV2", "SEV3", "SEV4"] as const;

export interface LaneBacklog {
  lane: Lane;
  /** Messages not yet delivered (due now, or waiting for a retry). */
  pending: number;
  /** Of those, due now (not waiting for a back-off or a Retry-After). */
  due: number;
  /** Failed for good, kept for `incident-bot outbox retry`. */
  failed: number;
  /** When the oldest pending message was recorded: it has been due since then. */
  oldestPendingAt: Date | null;
}

export interface PagerState {
  outbox: LaneBacklog[];
  /** Pages whose next step is due and not yet taken, and the earliest such due instant. */
  dueSteps: number;
  oldestDueStepAt: Date | null;
  openIncidents: Record<(typeof SEVERITIES)[number], number>;
}

interface Row {
  outbox: { lane: string; pending: number; due: number; failed: number; oldest: string | null }[] | null;
  due_steps: bigint | number;
  oldest_due_step: Date | null;
  incidents: { severity: string; open: number }[] | null;
}

export async function readPagerState(db: Db, now: Date): Promise<PagerState> {
  const [row] = await db.$queryRaw<Row[]>`
    SELECT
      (SELECT json_agg(o) FROM (
         SELECT lane,
                count(*) FILTER (WHERE state = 'pending') AS pending,
                count(*) FILTER (WHERE state = 'pending' AND next_attempt_at <= ${now}) AS due,
                count(*) FILTER (WHERE state = 'failed') AS failed,
                min(created_at) FILTER (WHERE state = 'pending') AS oldest
           FROM outbox_message WHERE state IN ('pending', 'failed') GROUP BY lane) o) AS outbox,
      (SELECT count(*) FROM page WHERE state = 'escalating' AND next_step_at <= ${now}) AS due_steps,
      (SELECT min(next_step_at) FROM page WHERE state = 'escalating' AND next_step_at <= ${now}) AS oldest_due_step,
      (SELECT json_agg(i) FROM (
         SELECT severity::text AS severity, count(*) AS open
           FROM incident WHERE status NOT IN ('resolved', 'closed') GROUP BY severity) i) AS incidents`;
  const outbox = LANES.map((lane): LaneBacklog => {
    const r = row.outbox?.find((x) => x.lane === lane);
    return { lane, pending: Number(r?.pending ?? 0), due: Number(r?.due ?? 0), failed: Number(r?.failed ?? 0), oldestPendingAt: r?.oldest ? new Date(r.oldest) : null };
  });
  const openIncidents = Object.fromEntries(SEVERITIES.map((s) => [s, Number(row.incidents?.find((x) => x.severity === s)?.open ?? 0)])) as PagerState["openIncidents"];
  return { outbox, dueSteps: Number(row.due_steps), oldestDueStepAt: row.oldest_due_step, openIncidents };
}
