// The engine module that tells people their on-call shift started (oncall/shift-notices.ts).
import type { Db } from "../../db/client.ts";
import type { Logger } from "../../log.ts";
import { sendShiftNotices } from "../../oncall/shift-notices.ts";
import type { EngineModule } from "../module.ts";

export function shiftNoticesModule(db: Db, log: Logger): EngineModule {
  return {
    name: "shift-notices",
    async runDue(now) {
      const sent = await sendShiftNotices(db, now);
      if (sent > 0) log.info(`engine: told ${sent} person(s) their on-call shift started`);
      return sent;
    },
  };
}
