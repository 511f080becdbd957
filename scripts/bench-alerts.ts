// Benchmark: alerts in, POST /integrations/<name> with Alertmanager's webhook bodies.
//   npm run bench:alerts   (or: npx tsx scripts/bench-alerts.ts [--rate=200] [--seconds=30] [--warmup=5] [--storms=5] [--profile] [--statements])
// Uses DATABASE_URL when set (a server where it may create a database), otherwise an embedded
// PostgreSQL in a temporary folder. Prints numbers; asserts nothing.
//
// The bot runs as `npm start` runs it (`incident-bot serve`, its node flags, logs at warn), in a
// process of its own, against the Slack stand-in served here; the rota (a schedule, a policy, the
// service checkout and an `alertmanager` integration) is applied and a token made as the CLI does.
//
// 1. Storms: one body of 1,000 alerts in one group (about 0.85 MB), `--storms` times, each with its
//    own groupKey and fingerprints: time to the HTTP answer, and the pages it started (the answer's
//    pagesStarted, the page rows of the group, the "You are paged" direct messages at Slack).
//    Each storm is then resolved by one body, as Alertmanager sends it, also timed.
// 2. Sustained load, open loop: `--rate` requests a second for `--seconds` (after `--warmup`
//    seconds at that rate, shown but not counted), each started at its instant whatever the
//    answers are doing (latency counted from that instant). Small bodies as Alertmanager sends
//    them: new groups of 1–5 alerts (a page each), repeats of open groups (repeat_interval), a
//    new alert joining an open group, one alert of a group resolved, a whole group resolved (its
//    page stops). Like Alertmanager, one group is never sent twice at once (so when the bot falls
//    behind, every open group is in flight and the mix drifts to new groups).
// `--profile` writes a CPU profile of the bot (.cpuprofile, for Chrome's DevTools) to the temp
// folder; `--statements` lists the SQL the load ran, most called first.
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { storeTokenHash } from "../src/alerts/store.ts";
import { newToken } from "../src/alerts/tokens.ts";
import { createDb } from "../src/db/client.ts";
import { startEmbeddedPostgres } from "../src/db/embedded.ts";
import { migrate } from "../src/db/migrate.ts";
import { applyRota } from "../src/oncall/apply.ts";
import { parseRotaFile } from "../src/oncall/rota-file.ts";
import { SlackStandIn } from "../src/standin/index.ts";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "..");
const option = (name: string, fallback: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback);
const RATE = option("rate", 200);
const SECONDS = option("seconds", 30);
const STORMS = option("storms", 5);
const WARMUP = option("warmup", 5);
const profile = process.argv.includes("--profile");
const listStatements = process.argv.includes("--statements");

const FIRST = "U0BENCH001";
const SECOND = "U0BENCH002";
const ROTA = `schedules:
  primary:
    timezone: UTC
    layers:
      - { name: weekly, members: [${FIRST}], rotation: { every: 1w, start: "2026-01-05T09:00" } }
escalation_policies:
  platform:
    levels:
      - { notify: ["schedule:primary"], escalate_after: 5m }
      - { notify: ["user:${SECOND}"], escalate_after: 10m }
services:
  checkout: { escalation_policy: platform }
integrations:
  prometheus:
    kind: alertmanager
    service: checkout
`;

// ------------------------------------------------------------------ set-up

const tmp = mkdtempSync(path.join(os.tmpdir(), "incident-bot-bench-alerts-"));
// A throwaway cluster, as in the tests (fsync off): the numbers measure the code, not the disk.
const embedded = process.env.DATABASE_URL
  ? null
  : await startEmbeddedPostgres({ dataDir: path.join(tmp, "pg"), durable: false, settings: { shared_preload_libraries: "pg_stat_statements" } });
let url: string;
if (embedded) url = await embedded.createDatabase("bench_alerts");
else {
  const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await admin.connect();
  await admin.query("DROP DATABASE IF EXISTS bench_alerts WITH (FORCE)");
  await admin.query("CREATE DATABASE bench_alerts");
  await admin.end();
  const u = new URL(process.env.DATABASE_URL!);
  u.pathname = "/bench_alerts";
  url = u.toString();
}
await migrate(url);

// the rota and the integration's token, as `incident-bot rota apply` and `integration token` make them
const db = createDb(url, { max: 2 });
const parsed = parseRotaFile(ROTA);
if (!parsed.ok) throw new Error(`the benchmark's rota is invalid:\n${parsed.errors.join("\n")}`);
await applyRota(db, parsed.rota);
const { token, hash } = newToken();
await storeTokenHash(db, "prometheus", hash, new Date());
await db.$disconnect();

const sql = new pg.Client({ connectionString: url });
await sql.connect();
const counting = await sql.query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements").then(() => sql.query("SELECT pg_stat_statements_reset()")).then(() => true, () => false);

const slack = new SlackStandIn({ token: "xoxb-bench", users: [{ id: FIRST, name: "first" }, { id: SECOND, name: "second" }] });
const apiUrl = await slack.start();

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} did not happen within ${timeoutMs / 1000}s`);
}

// Whatever happens, the bot stops with this process.
const children = new Set<ChildProcess>();
process.on("exit", () => children.forEach((c) => c.kill("SIGKILL")));

// the bot runs as `npm start` runs it: with the node flags of the start script
const startScript = (JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts.start;
const startFlags = startScript.split(/\s+/).filter((a) => a.startsWith("--"));
const fromBuild = execFileSync(process.execPath, ["--input-type=module", "-e", "import { isBuildCurrent } from './scripts/build.mjs'; process.stdout.write(String(isBuildCurrent()))"], { cwd: root, encoding: "utf8" }) === "true";
const port = await freePort();
const bot = spawn(process.execPath, [...startFlags, ...(profile ? ["--cpu-prof", `--cpu-prof-dir=${tmp}`] : []), path.join(root, "bin/incident-bot.js"), "serve"], {
  cwd: tmp,
  env: {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    DATABASE_URL: url,
    SLACK_BOT_TOKEN: "xoxb-bench",
    SLACK_SIGNING_SECRET: "bench-signing-secret",
    SLACK_API_URL: apiUrl,
    PORT: String(port),
    LOG_LEVEL: "warn",
  },
  stdio: ["ignore", "ignore", "inherit"],
});
children.add(bot);
const healthy = () =>
  new Promise<boolean>((resolve) => {
    http.get(`http://127.0.0.1:${port}/healthz`, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    }).on("error", () => resolve(false));
  });
await waitFor(healthy, "the bot's /healthz", 60_000);

/** CPU time the bot has used (user + system), in ms. */
const cpuMs = () => {
  const fields = readFileSync(`/proc/${bot.pid}/stat`, "utf8").split(") ")[1].split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in clock ticks (100 Hz)
};
/** CPU time of the whole machine: busy and total, in clock ticks (from /proc/stat). */
const machineTicks = () => {
  const [, ...f] = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).map(Number);
  const idle = f[3] + f[4]; // idle, iowait
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
};
const rssMb = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${bot.pid}/status`, "utf8"))![1]) / 1024;

// ------------------------------------------------------------------ requests

const endpoint = `http://127.0.0.1:${port}/integrations/prometheus`;
// keep-alive, and no cap on sockets: an open-loop load must not queue in the client
const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });

function post(body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve) => {
    const req = http.request(
      endpoint,
      { method: "POST", agent, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body), authorization: `Bearer ${token}`, "user-agent": "Alertmanager/0.25.0" } },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c) => (text += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
        res.on("error", (err) => resolve({ status: 0, text: String(err) }));
      },
    );
    req.on("error", (err) => resolve({ status: 0, text: String(err) }));
    req.end(body);
  });
}

const fingerprint = (s: string) => createHash("sha256").update(s).digest("hex").slice(0, 16);
const NOT_SET = "0001-01-01T00:00:00Z";

interface AmAlert {
  status: "firing" | "resolved";
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
  fingerprint: string;
}

/** One alert of a rule, on one host, as Alertmanager's webhook carries it. */
function amAlert(alertname: string, host: number, startsAt: string): AmAlert {
  const instance = `node-${String(host).padStart(4, "0")}.eu-west-1.internal:9100`;
  const labels = { alertname, severity: host % 7 === 0 ? "critical" : "warning", service: "checkout", cluster: "eu-west-1", namespace: "payments", job: "node-exporter", instance, device: "/dev/nvme0n1p1", mountpoint: "/var/lib/data" };
  return {
    status: "firing",
    labels,
    annotations: {
      summary: `${alertname}: disk almost full on ${instance}`,
      description: `Filesystem /var/lib/data on ${instance} is ${90 + (host % 10)}% full and predicted to fill within 4 hours.`,
      runbook_url: `https://runbooks.example.com/checkout/${alertname}`,
    },
    startsAt,
    endsAt: NOT_SET,
    generatorURL: `http://prometheus-0.eu-west-1.internal:9090/graph?g0.expr=${encodeURIComponent(`(node_filesystem_avail_bytes{mountpoint="/var/lib/data"} / node_filesystem_size_bytes) < 0.1`)}&g0.tab=1`,
    fingerprint: fingerprint(`${alertname}/${instance}`),
  };
}

/** Alertmanager's webhook body (version 4) for one group. */
function webhookBody(alertname: string, alerts: AmAlert[]): string {
  const firing = alerts.some((a) => a.status === "firing");
  return JSON.stringify({
    receiver: "incident-bot",
    status: firing ? "firing" : "resolved",
    alerts,
    groupLabels: { alertname },
    commonLabels: { alertname, service: "checkout", cluster: "eu-west-1", namespace: "payments", job: "node-exporter" },
    commonAnnotations: {},
    externalURL: "http://alertmanager-0.eu-west-1.internal:9093",
    version: "4",
    groupKey: `{}/{service="checkout"}:{alertname="${alertname}"}`,
    truncatedAlerts: 0,
  });
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
const median = (xs: number[]) => quantile([...xs].sort((a, b) => a - b), 0.5);
const pagedDms = (marker: string) => slack.calls.filter((c) => c.method === "chat.postMessage" && /^U/.test(String(c.args.channel)) && String(c.args.text ?? "").startsWith(`:rotating_light: You are paged: ${marker}`)).length;

// Other work on the machine skews every number: said up front, measured over a second.
const quietBefore = machineTicks();
await new Promise((r) => setTimeout(r, 1000));
const quietAfter = machineTicks();
const busyBefore = (quietAfter.busy - quietBefore.busy) / Math.max(1, quietAfter.total - quietBefore.total);
console.log(
  `${os.cpus().length} cores (${(busyBefore * 100).toFixed(0)}% busy with other work in the second before the run), PostgreSQL ${embedded ? "embedded (fsync off)" : "from DATABASE_URL"}; the bot as \`npm start\` runs it (${fromBuild ? "the built JavaScript" : "from the TypeScript sources: dist/ is not current"}), logs at warn, Slack stand-in in the load's process`,
);

// ------------------------------------------------------------------ 1. storms

{
  const fire: number[] = [];
  const resolve: number[] = [];
  const rows: string[] = [];
  let bytes = 0;
  for (let run = 0; run <= STORMS; run++) {
    const alertname = `DiskAlmostFull${run}`;
    const startsAt = new Date(Date.now() - 60_000).toISOString();
    const alerts = Array.from({ length: 1000 }, (_, host) => amAlert(alertname, host, startsAt));
    const body = webhookBody(alertname, alerts);
    bytes = Buffer.byteLength(body);
    let t = performance.now();
    const fired = await post(body);
    const fireMs = performance.now() - t;
    const answer = fired.status === 200 ? JSON.parse(fired.text) : null;
    const { rows: pages } = await sql.query("SELECT count(*)::int AS n FROM page p JOIN alert_group g ON g.id = p.alert_group_id WHERE g.group_key LIKE $1", [`%"${alertname}"%`]);
    // the direct message goes out through the outbox (every second by default)
    const marker = `${alertname}: disk almost full`;
    await waitFor(async () => pagedDms(marker) > 0, `the direct message of ${alertname}`, 15_000).catch(() => undefined);
    const resolvedAt = new Date().toISOString();
    t = performance.now();
    const resolved = await post(webhookBody(alertname, alerts.map((a) => ({ ...a, status: "resolved", endsAt: resolvedAt }))));
    const resolveMs = performance.now() - t;
    const resolvedAnswer = resolved.status === 200 ? JSON.parse(resolved.text) : null;
    const label = run === 0 ? "warm-up" : `run ${run}`;
    rows.push(
      `  ${label.padEnd(7)}  firing: HTTP ${fired.status} in ${fireMs.toFixed(0).padStart(4)} ms, opened ${answer?.opened ?? "-"}, pagesStarted ${answer?.pagesStarted?.length ?? "-"}, page rows ${pages[0].n}, "You are paged" DMs ${pagedDms(marker)}` +
        ` | resolved: HTTP ${resolved.status} in ${resolveMs.toFixed(0).padStart(4)} ms, resolved ${resolvedAnswer?.resolved ?? "-"}, pagesResolved ${resolvedAnswer?.pagesResolved?.length ?? "-"}`,
    );
    if (run > 0) {
      fire.push(fireMs);
      resolve.push(resolveMs);
    }
  }
  console.log("");
  console.log(`1. One Alertmanager body of 1,000 alerts in one group (${(bytes / 1024).toFixed(0)} KB), ${STORMS} runs after a warm-up, each its own groupKey and fingerprints:`);
  for (const row of rows) console.log(row);
  const sorted = [...fire].sort((a, b) => a - b);
  console.log(`  firing → answer: median ${median(fire).toFixed(0)} ms (best ${sorted[0].toFixed(0)}, worst ${sorted.at(-1)!.toFixed(0)}); resolving all 1,000: median ${median(resolve).toFixed(0)} ms`);
}

// ------------------------------------------------------------------ 2. sustained load

/** A small deterministic PRNG (mulberry32), so runs are comparable. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

{
  const random = prng(42);
  interface Group {
    alertname: string;
    alerts: AmAlert[];
    nextHost: number;
    busy: boolean;
  }
  const open: Group[] = [];
  let groupSeq = 0;
  type Kind = "new" | "repeat" | "join" | "resolve-one" | "resolve-all";
  const kinds: Record<Kind, number> = { new: 0, repeat: 0, join: 0, "resolve-one": 0, "resolve-all": 0 };

  /** The next body: a kind drawn from the mix, on a group not being sent right now. */
  function nextBody(): { body: string; done: () => void; kind: Kind } {
    const r = random();
    let kind: Kind = r < 0.2 ? "new" : r < 0.75 ? "repeat" : r < 0.8 ? "join" : r < 0.85 ? "resolve-one" : "resolve-all";
    const idle = open.filter((g) => !g.busy);
    if (idle.length === 0) kind = "new";
    const now = new Date().toISOString();
    if (kind === "new") {
      const g: Group = { alertname: `Load${++groupSeq}`, alerts: [], nextHost: 0, busy: true };
      const size = 1 + Math.floor(random() * 5);
      for (; g.nextHost < size; g.nextHost++) g.alerts.push(amAlert(g.alertname, g.nextHost, now));
      open.push(g);
      kinds.new++;
      return { body: webhookBody(g.alertname, g.alerts), done: () => (g.busy = false), kind };
    }
    const g = idle[Math.floor(random() * idle.length)];
    g.busy = true;
    const done = () => (g.busy = false);
    if (kind === "join") g.alerts.push(amAlert(g.alertname, g.nextHost++, now));
    if (kind === "resolve-one" && g.alerts.length < 2) kind = "resolve-all";
    kinds[kind]++;
    if (kind === "resolve-one") {
      const [gone] = g.alerts.splice(Math.floor(random() * g.alerts.length), 1);
      return { body: webhookBody(g.alertname, [...g.alerts, { ...gone, status: "resolved", endsAt: now }]), done, kind };
    }
    if (kind === "resolve-all") {
      open.splice(open.indexOf(g), 1);
      return { body: webhookBody(g.alertname, g.alerts.map((a) => ({ ...a, status: "resolved", endsAt: now }))), done, kind };
    }
    return { body: webhookBody(g.alertname, g.alerts), done, kind };
  }

  interface LoadRun {
    total: number;
    latencies: number[];
    byKind: Record<Kind, number[]>;
    errors: Map<string, number>;
    pagesStarted: number;
    pagesResolved: number;
    maxLag: number;
    bodyBytes: number;
    startedFor: number;
    answeredFor: number;
    lastAfterLastStart: number;
    cpu: number;
    machineBusyMs: number;
    machineMs: number;
    selfMs: number;
  }

  /** `rate` requests a second for `seconds`, each started at its instant (open loop). */
  async function load(rate: number, seconds: number): Promise<LoadRun> {
    for (const k of Object.keys(kinds) as Kind[]) kinds[k] = 0;
    const total = Math.round(rate * seconds);
    const interval = 1000 / rate;
    const latencies: number[] = [];
    const byKind: Record<Kind, number[]> = { new: [], repeat: [], join: [], "resolve-one": [], "resolve-all": [] };
    const errors = new Map<string, number>();
    let pagesStarted = 0;
    let pagesResolved = 0;
    let maxLag = 0;
    let lastAnswer = 0;
    let bodyBytes = 0;
    const inFlight: Promise<void>[] = [];
    const cpuBefore = cpuMs();
    const machineBefore = machineTicks();
    const selfBefore = process.cpuUsage();
    const t0 = performance.now() + 20;
    let next = 0;
    await new Promise<void>((resolve) => {
      const pump = () => {
        const now = performance.now();
        while (next < total && t0 + next * interval <= now) {
          const scheduled = t0 + next * interval;
          maxLag = Math.max(maxLag, performance.now() - scheduled);
          const { body, done, kind } = nextBody();
          bodyBytes += Buffer.byteLength(body);
          inFlight.push(
            post(body).then((res) => {
              const end = performance.now();
              lastAnswer = Math.max(lastAnswer, end);
              latencies.push(end - scheduled);
              byKind[kind].push(end - scheduled);
              done();
              if (res.status !== 200) {
                const key = res.status === 0 ? res.text : `HTTP ${res.status}`;
                errors.set(key, (errors.get(key) ?? 0) + 1);
                return;
              }
              const answer = JSON.parse(res.text) as { pagesStarted: number[]; pagesResolved: number[] };
              pagesStarted += answer.pagesStarted.length;
              pagesResolved += answer.pagesResolved.length;
            }),
          );
          next++;
        }
        if (next >= total) return resolve();
        setTimeout(pump, Math.max(0, Math.min(4, t0 + next * interval - performance.now())));
      };
      pump();
    });
    const startedFor = (performance.now() - t0) / 1000;
    await Promise.all(inFlight);
    const machine = machineTicks();
    const selfUsage = process.cpuUsage(selfBefore);
    latencies.sort((a, b) => a - b);
    return {
      total,
      latencies,
      byKind,
      errors,
      pagesStarted,
      pagesResolved,
      maxLag,
      bodyBytes,
      startedFor,
      answeredFor: (lastAnswer - t0) / 1000,
      lastAfterLastStart: (lastAnswer - t0 - (total - 1) * interval) / 1000,
      cpu: cpuMs() - cpuBefore,
      machineBusyMs: ((machine.busy - machineBefore.busy) * 1000) / 100,
      machineMs: ((machine.total - machineBefore.total) * 1000) / 100 / os.cpus().length,
      selfMs: (selfUsage.user + selfUsage.system) / 1000,
    };
  }

  const errorsOf = (run: LoadRun) => {
    const n = [...run.errors.values()].reduce((a, b) => a + b, 0);
    return `errors ${n}${n ? ` (${[...run.errors].map(([k, x]) => `${k}: ${x}`).join(", ")})` : ""}`;
  };
  const latencyOf = (run: LoadRun) => `p50 ${quantile(run.latencies, 0.5).toFixed(1)} ms, p99 ${quantile(run.latencies, 0.99).toFixed(1)} ms, max ${run.latencies.at(-1)!.toFixed(1)} ms`;

  console.log("");
  console.log(`2. Open loop: ${RATE} requests a second for ${SECONDS} s, after ${WARMUP} s at that rate not counted (latency from each request's scheduled instant):`);
  // The first seconds of small requests pay for the bot's code paths not yet optimised and its
  // connection pool filling up: shown, not counted.
  if (WARMUP > 0) {
    const warm = await load(RATE, WARMUP);
    console.log(`  warm-up: ${warm.total} requests, ${latencyOf(warm)}; ${errorsOf(warm)}`);
  }
  if (counting) await sql.query("SELECT pg_stat_statements_reset()");
  const run = await load(RATE, SECONDS);
  console.log(`  ${run.total} requests, ${(run.bodyBytes / run.total / 1024).toFixed(1)} KB a body on average; mix: ${Object.entries(kinds).map(([k, n]) => `${k} ${n}`).join(", ")}; pages started ${run.pagesStarted}, pages resolved ${run.pagesResolved}`);
  console.log(
    `  achieved: ${(run.total / run.startedFor).toFixed(0)} req/s started, ${(run.latencies.length / run.answeredFor).toFixed(0)} req/s answered (the last answer ${run.lastAfterLastStart.toFixed(2)} s after the last start); generator lag max ${run.maxLag.toFixed(1)} ms`,
  );
  console.log(`  latency: ${latencyOf(run)}; ${errorsOf(run)}`);
  console.log(
    `  by kind (p50 / p99 ms): ${(Object.keys(run.byKind) as Kind[])
      .filter((k) => run.byKind[k].length)
      .map((k) => {
        const s = run.byKind[k].sort((a, b) => a - b);
        return `${k} ${quantile(s, 0.5).toFixed(1)} / ${quantile(s, 0.99).toFixed(1)}`;
      })
      .join(", ")}`,
  );
  const ofOneCore = (ms: number) => `${((ms / run.machineMs) * 100).toFixed(0)}%`;
  console.log(`  the bot's CPU: ${(run.cpu / run.total).toFixed(2)} ms per request; resident memory after: ${rssMb().toFixed(0)} MB`);
  console.log(
    `  CPU in % of one core (all ${os.cpus().length} cores: ${os.cpus().length * 100}%): busy ${ofOneCore(run.machineBusyMs)}: the bot ${ofOneCore(run.cpu)}, the load and the Slack stand-in ${ofOneCore(run.selfMs)}, ` +
      `the rest (PostgreSQL, other work on the machine) ${ofOneCore(run.machineBusyMs - run.cpu - run.selfMs)}`,
  );
  if (listStatements && counting) {
    const { rows } = await sql.query(
      "SELECT calls, round(total_exec_time::numeric, 0) AS ms, left(regexp_replace(query, '\\s+', ' ', 'g'), 140) AS query FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = current_database() ORDER BY calls DESC LIMIT 25",
    );
    const all = await sql.query("SELECT coalesce(sum(calls), 0)::int AS n FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = current_database()");
    console.log(`  SQL statements per request: ${(all.rows[0].n / run.total).toFixed(1)}; the most called (calls, total time):`);
    for (const row of rows) console.log(`  ${String(row.calls).padStart(7)} ${String(row.ms).padStart(6)} ms  ${row.query}`);
  }
}

// ------------------------------------------------------------------ the end

const exited = new Promise((r) => bot.once("exit", r));
bot.kill("SIGTERM");
await exited;
agent.destroy();
await sql.end();
await slack.stop();
if (embedded) {
  await embedded.stop();
  rmSync(embedded.dataDir, { recursive: true, force: true });
  rmSync(embedded.passwordFile, { force: true });
}
if (profile) console.log(`CPU profile of the bot: ${tmp}/*.cpuprofile`);
else rmSync(tmp, { recursive: true, force: true });
