// Remembered requests only matter while Slack may still retry them (minutes), and delivered
// messages only for looking back: both are trimmed once an hour, by whichever process gets there.
import type { Db } from "../../db/client.ts";
import { forgetRequests } from "../../db/tx.ts";
import type { EngineModule } from "../module.ts";
import { forgetSentMessages } from "../store.ts";

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** How long a handled request is remembered. */
export const REQUEST_MEMORY_MS = DAY_MS;
/** How long a delivered message is kept. */
export const SENT_MESSAGE_MEMORY_MS = 30 * DAY_MS;

export function housekeepingModule(db: Db): EngineModule {
  let lastRunAt = -Infinity;
  return {
    name: "housekeeping",
    async runDue(now) {
      if (now.getTime() - lastRunAt < HOUR_MS) return 0;
      const requests = await forgetRequests(db, new Date(now.getTime() - REQUEST_MEMORY_MS));
      const messages = await forgetSentMessages(db, new Date(now.getTime() - SENT_MESSAGE_MEMORY_MS));
      lastRunAt = now.getTime();
      return requests + messages;
    },
  };
}
