// The engine module that notices silence: a heartbeat integration that was not pinged within its
// `every` plus `grace` opens a "no heartbeat" alert and pages (alerts/service.ts). The next ping
// resolves it. Found by the engine's regular tick (ENGINE_TICK_SECONDS): a heartbeat's grace is
// minutes, a tick seconds.
import type { AlertService } from "../../alerts/service.ts";
import type { Logger } from "../../log.ts";
import type { EngineModule } from "../module.ts";

export function heartbeatsModule(alerts: AlertService, log: Logger): EngineModule {
  return {
    name: "heartbeats",
    async runDue(now) {
      const fired = await alerts.checkHeartbeats(now);
      if (fired > 0) log.warn(`engine: ${fired} heartbeat(s) overdue: paged`);
      return fired;
    },
  };
}
