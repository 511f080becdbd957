// Who-is-on-call speed, for a schedule with 3 layers and 1,000 overrides: the pure computation
// (`onCallAt` on a schedule in memory) and the database path (`loadSchedule` for the instant's
// window, then `onCallAt`). Prints numbers; asserts nothing.
//
//   npx tsx scripts/bench-oncall.ts [queries]      (default 10000 pure, a tenth of that via the db)
//
// Uses a temporary database on the PostgreSQL at DATABASE_URL when it is set (dropped after),
// otherwise an embedded PostgreSQL started in a temporary folder (removed after).
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import pg from "pg";
import { createDb, type Db } from "../src/db/client.ts";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "../src/db/embedded.ts";
import { migrate } from "../src/db/migrate.ts";
import { applyRota } from "../src/oncall/apply.ts";
import type { Rota } from "../src/oncall/rota-file.ts";
import { nextHandoff, onCallAt, segments, type Override, type Schedule } from "../src/oncall/schedule.ts";
import { loadSchedule } from "../src/oncall/store.ts";

const QUERIES = Number(process.argv[2] ?? 10_000);
const DB_QUERIES = Math.max(100, Math.floor(QUERIES / 10));
const OVERRIDES = 1000;
const YEAR_START = Date.UTC(2026, 0, 1);
const YEAR_MS = 365 * 86_400_000;

/** A small deterministic PRNG (mulberry32), so runs are comparable. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const USERS = ["U0ALICE001", "U0BOB00002", "U0CAROL003", "U0DAVE0004", "U0ERIN0005"];

function benchSchedule(name: string): Schedule {
  const rand = prng(42);
  const overrides: Override[] = [];
  for (let i = 0; i < OVERRIDES; i++) {
    const start = YEAR_START + Math.floor((rand() * YEAR_MS) / 60_000) * 60_000;
    const hours = 1 + Math.floor(rand() * 12);
    overrides.push({ user: USERS[i % USERS.length], start: new Date(start), end: new Date(start + hours * 3_600_000) });
  }
  return {
    name,
    timezone: "America/New_York",
    layers: [
      { name: "weekly", members: USERS.slice(0, 3), rotation: { every: { amount: 1, unit: "w" }, start: { year: 2025, month: 12, day: 29, hour: 9, minute: 0, second: 0 } } },
      {
        name: "business-hours",
        members: USERS.slice(3),
        rotation: { every: { amount: 1, unit: "d" }, start: { year: 2025, month: 12, day: 29, hour: 9, minute: 0, second: 0 } },
        restrictions: [{ days: ["mon", "tue", "wed", "thu", "fri"], from: "09:00", to: "17:00" }],
      },
      {
        name: "weekend-nights",
        members: [USERS[1], USERS[4]],
        rotation: { every: { amount: 12, unit: "h" }, start: { year: 2025, month: 12, day: 29, hour: 20, minute: 0, second: 0 } },
        restrictions: [{ days: ["fri", "sat"], from: "20:00", to: "08:00" }],
      },
    ],
    overrides,
  };
}

function instants(n: number, seed: number): Date[] {
  const rand = prng(seed);
  return Array.from({ length: n }, () => new Date(YEAR_START + Math.floor(rand() * YEAR_MS)));
}

function fmt(ms: number): string {
  return ms < 0.1 ? ms.toFixed(4) : ms < 10 ? ms.toFixed(3) : ms.toFixed(1);
}

async function openBenchDatabase(): Promise<{ url: string; cleanup: () => Promise<void> }> {
  const cleanups: Array<() => Promise<void>> = [];
  const cleanup = async () => {
    for (const c of cleanups.reverse()) await c().catch((e) => console.error(`cleanup: ${(e as Error).message}`));
  };
  let adminUrl = process.env.DATABASE_URL;
  let embedded: EmbeddedPostgres | undefined;
  if (!adminUrl) {
    const dir = mkdtempSync(path.join(os.tmpdir(), "incident-bot-bench-"));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    console.log("DATABASE_URL is not set: starting an embedded PostgreSQL in a temporary folder…");
    // a throwaway cluster, as in the tests (fsync off): the numbers measure the bot, not the disk
    embedded = await startEmbeddedPostgres({ dataDir: path.join(dir, "pg"), durable: false });
    const { dataDir, passwordFile } = embedded;
    cleanups.push(async () => {
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(passwordFile, { force: true });
    });
    cleanups.push(() => embedded!.stop());
    adminUrl = embedded.url;
  }
  const name = `incident_bot_bench_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  cleanups.push(async () => {
    const a = new pg.Client({ connectionString: adminUrl });
    await a.connect();
    await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await a.end();
  });
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), cleanup };
}

async function main(): Promise<void> {
  const schedule = benchSchedule("bench-primary");
  console.log(`Schedule: 3 layers (weekly; daily Mon–Fri 09–17; 12h Fri/Sat nights), ${OVERRIDES} overrides over 2026, America/New_York`);

  // --- pure ---------------------------------------------------------------------------------
  const ats = instants(QUERIES, 7);
  const t0 = performance.now();
  onCallAt(schedule, ats[0]); // compiles (and caches) the schedule
  const compileMs = performance.now() - t0;
  for (let i = 0; i < Math.min(1000, QUERIES); i++) onCallAt(schedule, ats[i]); // warm up
  let sink = 0;
  const t1 = performance.now();
  for (const at of ats) sink += onCallAt(schedule, at).length;
  const pureMs = (performance.now() - t1) / ats.length;
  console.log(`first onCallAt (compiles the schedule): ${fmt(compileMs)} ms`);
  console.log(`onCallAt (pure, 3 layers, ${OVERRIDES} overrides): ${fmt(pureMs)} ms/query over ${ats.length} queries`);

  const fresh = () => ({ ...schedule, overrides: [...schedule.overrides] });
  const coldN = Math.max(50, Math.floor(QUERIES / 100));
  const t2 = performance.now();
  for (let i = 0; i < coldN; i++) sink += onCallAt(fresh(), ats[i]).length;
  console.log(`onCallAt on a new schedule object each time (compile + query): ${fmt((performance.now() - t2) / coldN)} ms/query over ${coldN} queries`);

  const segN = Math.max(50, Math.floor(QUERIES / 100));
  const t3 = performance.now();
  for (let i = 0; i < segN; i++) sink += segments(schedule, ats[i], new Date(ats[i].getTime() + 7 * 86_400_000)).length;
  console.log(`segments over one week: ${fmt((performance.now() - t3) / segN)} ms/query over ${segN} queries`);
  const t4 = performance.now();
  for (let i = 0; i < segN; i++) sink += nextHandoff(schedule, ats[i])?.onCall.length ?? 0;
  console.log(`nextHandoff: ${fmt((performance.now() - t4) / segN)} ms/query over ${segN} queries`);

  // --- database ------------------------------------------------------------------------------
  const { url, cleanup } = await openBenchDatabase();
  let db: Db | undefined;
  try {
    await migrate(url);
    db = createDb(url, { max: 4 });
    const rota: Rota = { schedules: [schedule], escalationPolicies: [], services: [], integrations: [], owners: {}, access: null, userGroups: [] };
    const ta = performance.now();
    await applyRota(db, rota);
    console.log(`applyRota (create, ${OVERRIDES} overrides): ${fmt(performance.now() - ta)} ms`);
    const tb = performance.now();
    const again = await applyRota(db, rota);
    console.log(`applyRota again (${again.hasChanges ? "CHANGES?!" : "no changes"}): ${fmt(performance.now() - tb)} ms`);

    const dbAts = instants(DB_QUERIES, 11);
    for (let i = 0; i < 20; i++) await loadSchedule(db, schedule.name, { from: dbAts[i], to: new Date(dbAts[i].getTime() + 1) }); // warm up
    let mismatches = 0;
    let loaded = 0;
    const tc = performance.now();
    for (const at of dbAts) {
      const s = (await loadSchedule(db, schedule.name, { from: at, to: new Date(at.getTime() + 1) }))!;
      loaded += s.overrides.length;
      const who = onCallAt(s, at);
      sink += who.length;
      if (JSON.stringify(who) !== JSON.stringify(onCallAt(schedule, at))) mismatches++;
    }
    const dbMs = (performance.now() - tc) / dbAts.length;
    console.log(
      `loadSchedule(window) + onCallAt (database, 3 layers, ${OVERRIDES} overrides): ${fmt(dbMs)} ms/query over ${dbAts.length} queries` +
        ` (${(loaded / dbAts.length).toFixed(2)} overrides loaded per query; ${mismatches} answers differ from the pure path)`,
    );
    const allN = Math.max(20, Math.floor(DB_QUERIES / 10));
    const td = performance.now();
    for (let i = 0; i < allN; i++) {
      const s = (await loadSchedule(db, schedule.name))!;
      sink += onCallAt(s, dbAts[i]).length;
    }
    console.log(`loadSchedule(all ${OVERRIDES} overrides) + onCallAt, for comparison: ${fmt((performance.now() - td) / allN)} ms/query over ${allN} queries`);
  } finally {
    await db?.$disconnect();
    await cleanup();
  }
  if (sink < 0) console.log(sink); // keeps the work from being optimized away
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err instanceof Error ? err.stack : err);
    process.exit(1);
  },
);
