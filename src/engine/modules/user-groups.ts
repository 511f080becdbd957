// The engine module that keeps Slack user groups in step with who is on call (oncall/user-groups.ts).
import type { Db } from "../../db/client.ts";
import type { Logger } from "../../log.ts";
import { syncUserGroups } from "../../oncall/user-groups.ts";
import type { EngineModule } from "../module.ts";

export function userGroupsModule(db: Db, log: Logger): EngineModule {
  return {
    name: "user-groups",
    async runDue(now) {
      const recorded = await syncUserGroups(db, now);
      if (recorded > 0) log.info(`engine: ${recorded} user group(s) to update with who is on call`);
      return recorded;
    },
  };
}
