// The engine module that tells the announce channel when a service's error budget crosses 50 %,
// 25 % and 0 % remaining (slo/announce.ts): once a minute per process; each announcement is
// claimed in the database, so it is made once per threshold per window, whichever process looks.
import type { Db } from "../../db/client.ts";
import type { Logger } from "../../log.ts";
import { announceBudgetThresholds } from "../../slo/announce.ts";
import type { EngineModule } from "../module.ts";

const MINUTE_MS = 60_000;

export function sloModule(db: Db, log: Logger, announceChannel: string): EngineModule {
  let lastRunAt = -Infinity;
  return {
    name: "slo",
    async runDue(now) {
      if (now.getTime() - lastRunAt < MINUTE_MS) return 0;
      const told = await announceBudgetThresholds(db, now, announceChannel);
      lastRunAt = now.getTime();
      if (told > 0) log.info(`engine: announced ${told} error budget threshold(s)`);
      return told;
    },
  };
}
