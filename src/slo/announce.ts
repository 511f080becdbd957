// Error budget thresholds announced: when a service's remaining budget is at or below 50 %, 25 %
// or 0 %, the announce channel is told, once per threshold per window (slo/store.ts claims each
// announcement, so replicas and restarts never repeat one). Run by the engine (engine/modules/slo.ts).
import type { Db } from "../db/client.ts";
import { enqueue } from "../db/outbox.ts";
import { inTransaction } from "../db/tx.ts";
import { servicesWithSlo } from "../oncall/store.ts";
import { thresholdsReached } from "./budget.ts";
import { serviceBudget } from "./service.ts";
import { claimAnnouncement } from "./store.ts";
import { thresholdText } from "./views.ts";

/** Announces the thresholds crossed at `now`; returns how many announcements were recorded. */
export async function announceBudgetThresholds(db: Db, now: Date, channel: string): Promise<number> {
  let told = 0;
  for (const { name, slo } of await servicesWithSlo(db)) {
    const budget = await serviceBudget(db, name, slo, now);
    const reached = thresholdsReached(budget);
    if (reached.length === 0) continue;
    told += await inTransaction(db, async (tx) => {
      const claimed: number[] = [];
      for (const threshold of reached) if (await claimAnnouncement(tx, name, threshold, now, slo.windowSeconds)) claimed.push(threshold);
      if (claimed.length === 0) return 0;
      // Thresholds crossed at once are said in one message, by the lowest.
      const said = Math.min(...claimed);
      await enqueue(tx, [{ key: `slo:${name}:${said}:${now.toISOString()}`, kind: "slack.post", payload: { channel, text: thresholdText(budget, said) } }], now);
      return 1;
    });
  }
  return told;
}
