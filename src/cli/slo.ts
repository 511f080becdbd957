// `incident-bot slo [service] [--json]`: error budgets now, as `/incident slo` says them.
import { systemClock } from "../clock.ts";
import { isUserError } from "../errors.ts";
import { serviceBudgets } from "../slo/service.ts";
import { budgetJson, budgetText } from "../slo/views.ts";
import { withDatabase } from "../runtime.ts";
import { guard, parseArgs, processIo, UsageError, type CliIo } from "./args.ts";

export const SLO_USAGE = `Usage: incident-bot slo [service] [--json]

  Each service's SLO (the rota file's services.<name>.slo): objective, window, budget, spent,
  remaining, the incidents that spent it, and the burn rate over the last 1 h and 6 h.
  --json   machine-readable output (durations in ms, instants in UTC)`;

export async function sloCommand(args: string[], io: CliIo = processIo): Promise<number> {
  return guard(io, SLO_USAGE, async () => {
    const parsed = parseArgs(args, [], ["--json"]);
    if (parsed.positional.length > 1) throw new UsageError("slo takes at most one service name");
    const service = parsed.positional[0] ?? null;
    return withDatabase(async (db) => {
      let budgets;
      try {
        budgets = await serviceBudgets(db, service, systemClock.now());
      } catch (err) {
        if (!isUserError(err)) throw err;
        io.err(err.message.replace(/`/g, ""));
        return 1;
      }
      if (parsed.flags.has("--json")) io.out(JSON.stringify({ services: budgets.map(budgetJson) }, null, 2));
      else if (budgets.length === 0) io.out("No service has an SLO. Give one in the rota file: services.<name>.slo: { objective: 99.9, window: 30d, counts_from: sev2 }");
      else io.out(budgets.map((b) => budgetText(b, "")).join("\n\n"));
      return 0;
    });
  });
}
