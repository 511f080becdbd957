// The engine module that takes due escalation steps: due pages are claimed in batches with
// FOR UPDATE SKIP LOCKED (so several bot processes never take the same step) and stepped with
// set-based statements (escalation/take-steps.ts). A page that cannot be stepped is set aside for
// this run instead of holding the others back.
import type { Db } from "../../db/client.ts";
import { inTransaction } from "../../db/tx.ts";
import { claimDuePages, earliestDueAt } from "../../escalation/store.ts";
import { takeSteps } from "../../escalation/take-steps.ts";
import type { Logger } from "../../log.ts";
import type { Metrics } from "../../metrics/index.ts";
import type { EngineModule } from "../module.ts";

export interface EscalationModuleOptions {
  db: Db;
  log: Logger;
  /** Pages claimed per transaction. */
  batchSize?: number;
  /** Pages stepped per run at most (the next run takes the rest). */
  limit?: number;
  /** Counts the steps taken (people notified, pages exhausted, how late). */
  metrics?: Metrics;
}

export function escalationModule(opts: EscalationModuleOptions): EngineModule {
  const { db, log } = opts;
  const batchSize = opts.batchSize ?? 500;
  const limit = opts.limit ?? 10_000;

  /** Claims up to `size` due pages (skipping `skip`) and steps them, in one transaction. */
  const takeBatch = (now: Date, size: number, skip: number[]): Promise<number[]> =>
    inTransaction(
      db,
      async (tx) => {
        const pages = await claimDuePages(tx, now, size, skip);
        if (pages.length > 0) await takeSteps(tx, pages, now, { log, metrics: opts.metrics });
        return pages.map((p) => p.id);
      },
      { timeoutMs: 30_000 },
    );

  return {
    name: "escalation",
    async runDue(now) {
      let handled = 0;
      const setAside: number[] = [];
      let size = batchSize;
      while (handled < limit) {
        let ids: number[];
        try {
          ids = await takeBatch(now, Math.min(size, limit - handled), setAside);
        } catch (err) {
          if (size > 1) {
            // One page that cannot be stepped must not hold the others back: go one by one.
            log.error(`escalation: a batch of steps failed (${(err as Error).message}); going one page at a time`);
            size = 1;
            continue;
          }
          // The page at the head fails on its own: set it aside until the next run.
          const [bad] = await inTransaction(db, (tx) => claimDuePages(tx, now, 1, setAside));
          if (!bad) throw err;
          log.error(`escalation: page ${bad.id} could not be stepped and is retried at the next run: ${(err as Error).message}`, { page: bad.id });
          setAside.push(bad.id);
          continue;
        }
        if (ids.length === 0) break;
        handled += ids.length;
      }
      if (handled > 0) log.debug(`engine: took the due steps of ${handled} page(s)`);
      return handled;
    },
    nextDueAt: () => earliestDueAt(db),
  };
}
