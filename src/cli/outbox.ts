// `incident-bot outbox list [--failed]` and `incident-bot outbox retry <id|--failed>`: see what the
// bot has not delivered, and put messages that failed for good back in their lane (the running
// bot delivers them).
import { listMessages, messageState, retryFailed, type StoredMessage } from "../engine/store.ts";
import { withDatabase } from "../runtime.ts";

export const OUTBOX_USAGE = `Usage: incident-bot outbox list [--failed]     messages not delivered yet (or only those that failed for good)
       incident-bot outbox retry <id>          deliver a failed message again
       incident-bot outbox retry --failed      deliver every failed message again`;

const iso = (d: Date | null) => (d ? d.toISOString().replace(/\.\d{3}Z$/, "Z") : "-");

function table(rows: StoredMessage[]): string {
  const head = ["id", "lane", "kind", "state", "attempts", "incident", "next attempt", "last error"];
  const body = rows.map((r) => [String(r.id), r.lane, r.kind, r.state, String(r.attempts), r.incidentNumber ? `INC-${r.incidentNumber}` : "-", r.state === "pending" ? iso(r.nextAttemptAt) : "-", r.lastError ?? "-"]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => (i === head.length - 1 ? 0 : r[i].length))));
  return [head, ...body].map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join("  ")).join("\n");
}

export async function outboxCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === "list" && (rest.length === 0 || (rest.length === 1 && rest[0] === "--failed"))) {
    const which = rest[0] === "--failed" ? "failed" : "undelivered";
    return withDatabase(async (db) => {
      const rows = await listMessages(db, which);
      if (rows.length === 0) console.log(which === "failed" ? "No failed messages." : "Every message has been delivered.");
      else console.log(table(rows));
      return 0;
    });
  }
  if (sub === "retry" && rest.length === 1) {
    const arg = rest[0];
    if (arg !== "--failed" && !/^\d+$/.test(arg)) {
      console.error(`"${arg}" is not a message id (a number from \`incident-bot outbox list\`) or --failed.\n\n${OUTBOX_USAGE}`);
      return 2;
    }
    return withDatabase(async (db) => {
      const count = await retryFailed(db, arg === "--failed" ? "all-failed" : { id: BigInt(arg) }, new Date());
      if (arg !== "--failed" && count === 0) {
        const state = await messageState(db, BigInt(arg));
        console.error(state ? `Message ${arg} is ${state}, not failed: nothing to retry.` : `There is no message ${arg}.`);
        return 1;
      }
      console.log(count === 0 ? "No failed messages." : `Queued ${count} failed message(s) again; the running bot delivers them.`);
      return 0;
    });
  }
  console.error(OUTBOX_USAGE);
  return 2;
}
