// Benchmark: the escalation engine's tick with many pages waiting.
//   npx tsx scripts/bench-escalation.ts [waiting=100000] [due=1000]
// Uses DATABASE_URL when set (a database it may fill and empty), otherwise an embedded PostgreSQL
// in a temporary folder. Prints numbers; asserts nothing.
import os from "node:os";
import path from "node:path";
import { rmSync } from "node:fs";
import pg from "pg";
import { ManualClock } from "../src/clock.ts";
import { createDb } from "../src/db/client.ts";
import { startEmbeddedPostgres } from "../src/db/embedded.ts";
import { migrate } from "../src/db/migrate.ts";
import { EscalationService } from "../src/escalation/service.ts";
import { createLogger } from "../src/log.ts";

const waiting = Number(process.argv[2] ?? 100_000);
const due = Number(process.argv[3] ?? 1_000);

const dataDir = path.join(os.tmpdir(), `incident-bot-bench-${process.pid}`);
const embedded = process.env.DATABASE_URL ? null : await startEmbeddedPostgres({ dataDir });
const url = process.env.DATABASE_URL ?? (await embedded!.createDatabase("bench"));
await migrate(url);
const sql = new pg.Client({ connectionString: url });
await sql.connect();
const db = createDb(url);
const clock = new ManualClock("2026-06-01T12:00:00Z");
const engine = new EscalationService({ db, clock, log: createLogger("warn") });

const ms = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;
const policy = JSON.stringify({ name: "bench", levels: [{ notify: [{ kind: "user", userId: "U0BENCH001" }], escalateAfterSeconds: 300 }, { notify: [{ kind: "user", userId: "U0BENCH002" }], escalateAfterSeconds: 600 }], repeat: 1 });

await sql.query("TRUNCATE incident, page, page_notification, timeline_event, outbox_message RESTART IDENTITY CASCADE");
await sql.query(`INSERT INTO incident (number, title, severity, status, commander_id, channel_name, declared_by_id, declared_at)
  SELECT n, 'bench ' || n, 'SEV2', 'investigating', 'U0BENCH000', 'inc-' || n, 'U0BENCH000', $1 FROM generate_series(1, 1000) n`, [clock.now()]);
let t = process.hrtime.bigint();
await sql.query(
  `INSERT INTO page (incident_id, target, policy, paged_by_id, state, next_step_at, created_at)
   SELECT 1 + (n % 1000), 'service:bench', $1::jsonb, 'U0BENCH000', 'escalating', $2::timestamptz + (n || ' seconds')::interval, $3
   FROM generate_series(1, $4::int) n`,
  [policy, new Date(clock.now().getTime() + 3_600_000), clock.now(), waiting],
);
// pages that are no longer escalating stay in the table too (history)
await sql.query(
  `INSERT INTO page (incident_id, target, policy, paged_by_id, state, created_at)
   SELECT 1 + (n % 1000), 'service:bench', $1::jsonb, 'U0BENCH000', 'acknowledged', $2 FROM generate_series(1, $3::int) n`,
  [policy, clock.now(), waiting],
);
await sql.query("ANALYZE page");
console.log(`set-up: ${waiting} pages waiting (not due) + ${waiting} finished, in ${ms(t).toFixed(0)} ms`);

const plan = await sql.query(`EXPLAIN SELECT id FROM page WHERE state = 'escalating' AND next_step_at <= $1 ORDER BY next_step_at LIMIT 1 FOR UPDATE SKIP LOCKED`, [clock.now()]);
console.log(`plan of the tick's claim: ${plan.rows.map((r) => Object.values(r)[0]).join(" | ")}`);

const runs = 200;
await engine.runDue(); // warm-up
t = process.hrtime.bigint();
for (let i = 0; i < runs; i++) await engine.runDue();
console.log(`tick with ${waiting} pages waiting, none due: ${(ms(t) / runs).toFixed(3)} ms per tick (mean of ${runs})`);

await sql.query(`UPDATE page SET next_step_at = $1 WHERE id IN (SELECT id FROM page WHERE state = 'escalating' ORDER BY id LIMIT $2)`, [clock.now(), due]);
t = process.hrtime.bigint();
const taken = await engine.runDue(due * 2);
const elapsed = ms(t);
console.log(`tick with ${due} due (of ${waiting} waiting): ${elapsed.toFixed(0)} ms for the tick, ${(elapsed / Math.max(1, taken)).toFixed(2)} ms per step (${taken} steps)`);
const notified = await sql.query("SELECT count(*)::int AS n FROM page_notification");
const outbox = await sql.query("SELECT count(*)::int AS n FROM outbox_message WHERE kind = 'page.notify'");
console.log(`recorded: ${notified.rows[0].n} notifications, ${outbox.rows[0].n} direct messages in the outbox`);

t = process.hrtime.bigint();
for (let i = 0; i < runs; i++) await engine.runDue();
console.log(`tick right after, none due: ${(ms(t) / runs).toFixed(3)} ms per tick`);

await sql.end();
await db.$disconnect();
if (embedded) {
  await embedded.stop();
  rmSync(embedded.dataDir, { recursive: true, force: true });
}
