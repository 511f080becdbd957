// Benchmark: the engine's escalation module and the way from a due step to Slack.
//   npm run bench:engine   (or: npx tsx scripts/bench-engine.ts [waiting=100000] [due=1000] [spread=200])
// Uses DATABASE_URL when set (a database it may fill and empty), otherwise an embedded PostgreSQL
// in a temporary folder. Prints numbers; asserts nothing.
//
// 1. A tick with `waiting` pages escalating and none due (an index scan that finds nothing).
// 2. `due` steps due at once, taken by one run of the escalation module (set-based, in batches).
// 3. `spread` steps due at instants spread over 20 s, with the bot running as in production
//    (default settings, the Slack stand-in on loopback): due instant → the direct message at Slack.
import os from "node:os";
import path from "node:path";
import { rmSync } from "node:fs";
import pg from "pg";
import { ManualClock } from "../src/clock.ts";
import { createDb } from "../src/db/client.ts";
import { DatabaseClock } from "../src/db/clock.ts";
import { startEmbeddedPostgres } from "../src/db/embedded.ts";
import { migrate } from "../src/db/migrate.ts";
import { escalationModule } from "../src/engine/modules/escalation.ts";
import { createLogger } from "../src/log.ts";
import { DEFAULT_TEMPLATE } from "../src/postmortem/draft/index.ts";
import { createDirectoryExporter } from "../src/postmortem/export/directory.ts";
import { createApp } from "../src/app.ts";
import { parseConfig } from "../src/config.ts";
import { SlackStandIn } from "../src/standin/index.ts";

const waiting = Number(process.argv[2] ?? 100_000);
const due = Number(process.argv[3] ?? 1_000);
const spread = Number(process.argv[4] ?? 200);

const dataDir = path.join(os.tmpdir(), `incident-bot-bench-${process.pid}`);
// A throwaway cluster, as in the tests (fsync off): the numbers measure the bot, not the disk.
const embedded = process.env.DATABASE_URL ? null : await startEmbeddedPostgres({ dataDir, durable: false });
const url = process.env.DATABASE_URL ?? (await embedded!.createDatabase("bench"));
await migrate(url);
const sql = new pg.Client({ connectionString: url });
sql.on("error", () => undefined);
await sql.connect();
const db = createDb(url);
const log = createLogger("warn");
const clock = new ManualClock("2026-06-01T12:00:00Z");
const escalation = escalationModule({ db, log });

const ms = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;
const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
const policy = JSON.stringify({
  name: "bench",
  levels: [
    { notify: [{ kind: "user", userId: "U0BENCH001" }], escalateAfterSeconds: 300 },
    { notify: [{ kind: "user", userId: "U0BENCH002" }], escalateAfterSeconds: 600 },
  ],
  repeat: 1,
});

async function reset(): Promise<void> {
  await sql.query("TRUNCATE incident, page, page_notification, timeline_event, outbox_message RESTART IDENTITY CASCADE");
  await sql.query(
    `INSERT INTO incident (number, title, severity, status, commander_id, channel_name, declared_by_id, declared_at)
     SELECT n, 'bench ' || n, 'SEV2', 'investigating', 'U0BENCH000', 'inc-' || n, 'U0BENCH000', now() FROM generate_series(1, 1000) n`,
  );
}

// --- 1 and 2 -------------------------------------------------------------------------------
await reset();
let t = process.hrtime.bigint();
await sql.query(
  `INSERT INTO page (incident_id, target, policy, paged_by_id, state, next_step_at, created_at)
   SELECT 1 + (n % 1000), 'service:bench', $1::jsonb, 'U0BENCH000', 'escalating', $2::timestamptz + (n || ' seconds')::interval, $3
   FROM generate_series(1, $4::int) n`,
  [policy, new Date(clock.now().getTime() + 3_600_000), clock.now(), waiting],
);
await sql.query(
  `INSERT INTO page (incident_id, target, policy, paged_by_id, state, created_at)
   SELECT 1 + (n % 1000), 'service:bench', $1::jsonb, 'U0BENCH000', 'acknowledged', $2 FROM generate_series(1, $3::int) n`,
  [policy, clock.now(), waiting],
);
await sql.query("ANALYZE page");
console.log(`set-up: ${waiting} pages waiting (not due) + ${waiting} finished, in ${ms(t).toFixed(0)} ms`);

const runs = 200;
await escalation.runDue(clock.now()); // warm-up
t = process.hrtime.bigint();
for (let i = 0; i < runs; i++) await escalation.runDue(clock.now());
console.log(`tick with ${waiting} pages waiting, none due: ${(ms(t) / runs).toFixed(3)} ms per tick (mean of ${runs})`);

const batches: number[] = [];
for (let round = 0; round < 5; round++) {
  await sql.query(`UPDATE page SET next_step_at = $1, round = 0, level_index = 0 WHERE id IN (SELECT id FROM page WHERE state = 'escalating' ORDER BY id LIMIT $2)`, [clock.now(), due]);
  await sql.query("TRUNCATE page_notification, timeline_event, outbox_message");
  t = process.hrtime.bigint();
  const taken = await escalation.runDue(clock.now());
  batches.push(ms(t));
  if (taken !== due) console.log(`(took ${taken} steps, expected ${due})`);
}
const notified = await sql.query("SELECT count(*)::int AS n FROM page_notification");
const outbox = await sql.query("SELECT count(*)::int AS n FROM outbox_message WHERE kind = 'page.notify'");
const events = await sql.query("SELECT count(*)::int AS n FROM timeline_event");
batches.sort((a, b) => a - b);
console.log(`${due} due steps in one run: median ${batches[2].toFixed(0)} ms, best ${batches[0].toFixed(0)} ms, worst ${batches[4].toFixed(0)} ms of 5 (${(batches[2] / due).toFixed(2)} ms per step)`);
console.log(`  each run recorded ${notified.rows[0].n} notifications, ${events.rows[0].n} timeline events, ${outbox.rows[0].n} direct messages in the outbox`);

// --- 3 ---------------------------------------------------------------------------------------
await reset();
const slack = new SlackStandIn({ token: "xoxb-bench", users: [{ id: "U0BENCH001", name: "first" }, { id: "U0BENCH002", name: "second" }] });
const apiUrl = await slack.start();
// each incident has its channel, where the steps are said
const channels = Array.from({ length: 1000 }, (_, i) => slack.addChannel(`inc-${i + 1}`, { members: [slack.botUserId] }).id);
await sql.query(`UPDATE incident SET channel_id = c.id FROM unnest($1::text[]) WITH ORDINALITY AS c(id, n) WHERE incident.number = c.n`, [channels]);
const dbClock = new DatabaseClock(db);
await dbClock.sync();
// default settings: a tick every 5 s, the outbox every second
const config = parseConfig({ SLACK_BOT_TOKEN: "xoxb-bench", SLACK_SIGNING_SECRET: "bench-signing-secret", SLACK_API_URL: apiUrl });
const bot = createApp(config, {
  db,
  clock: dbClock,
  log,
  postmortems: { exporter: createDirectoryExporter({ dir: path.join(os.tmpdir(), `bench-pm-${process.pid}`) }), template: DEFAULT_TEMPLATE },
});
await bot.start(0, "127.0.0.1");
const start = dbClock.now().getTime() + 2_000;
const dueAt = new Map<number, number>();
const { rows } = await sql.query(
  `INSERT INTO page (incident_id, target, policy, paged_by_id, state, round, level_index, next_step_at, created_at)
   SELECT 1 + (n % 1000), 'service:bench', $1::jsonb, 'U0BENCH000', 'escalating', 0, 1, $2::timestamptz + (n * $3::float8 || ' milliseconds')::interval, now()
   FROM generate_series(0, $4::int - 1) n RETURNING id, next_step_at`,
  [policy, new Date(start), 20_000 / spread, spread],
);
for (const r of rows) dueAt.set(Number(r.id), new Date(r.next_step_at).getTime());
const latencies: number[] = [];
slack.on("call", (call: { method: string; args: Record<string, unknown>; at: Date }) => {
  if (call.method !== "chat.postMessage" || call.args.channel !== "U0BENCH002") return;
  // the Acknowledge button carries the page's id
  const pageId = Number(/"action_id":"page_acknowledge","value":"(\d+)"/.exec(JSON.stringify(call.args.blocks))?.[1]);
  const at = dueAt.get(pageId);
  if (at !== undefined) latencies.push(call.at.getTime() - at);
});
const deadline = Date.now() + 60_000;
while (latencies.length < spread && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
await bot.stop();
await slack.stop();
latencies.sort((a, b) => a - b);
if (latencies.length < spread) console.log(`(only ${latencies.length} of ${spread} direct messages arrived)`);
console.log(
  `due → Slack for ${latencies.length} steps due at instants spread over 20 s (default settings): p50 ${quantile(latencies, 0.5)} ms, p99 ${quantile(latencies, 0.99)} ms, max ${latencies.at(-1)} ms`,
);

await sql.end();
await db.$disconnect();
if (embedded) {
  await embedded.stop();
  rmSync(embedded.dataDir, { recursive: true, force: true });
  rmSync(embedded.passwordFile, { force: true });
}
