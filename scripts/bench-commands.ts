// Benchmark: the command path, against a reference app that does the same essential work by hand.
//   npm run bench:commands   (or: npx tsx scripts/bench-commands.ts [requests=2000] [concurrency=16] [--rounds=3] [--verbs=note,update,sev] [--profile] [--statements])
// Uses DATABASE_URL when set (a server where it may create databases), otherwise an embedded
// PostgreSQL in a temporary folder. Prints numbers; asserts nothing.
//
// In one run, on this machine, each in a process of its own:
//   - the bot, as `incident-bot serve` in HTTP mode, against the Slack stand-in (served here);
//   - the reference: a bare Bolt app with `pg` whose /incident handler runs one transaction (look
//     the incident up, insert a timeline event, insert an outbox row) and answers;
//   - the load: signed `/incident <verb>` requests, `concurrency` at a time, from this process.
// Each is warmed up, then loaded with `requests` requests per verb. Also measured: the bot's
// start-up to /healthz 200 on an existing database, its resident memory when idle and after the
// load, and how many `chat.update` calls a burst of changes to one incident makes.
// `--profile` writes a CPU profile of the bot (.cpuprofile, for Chrome's DevTools) to the temp folder.
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync, rmSync, mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import http from "node:http";
import net from "node:net";
import pg from "pg";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "..");

// ------------------------------------------------------------------ the reference app

/** The reference: bare Bolt and `pg`, the minimal transaction a note needs. */
async function reference(): Promise<void> {
  const { App } = await import("@slack/bolt");
  const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
  // Who the app is, known up front (as the bot knows it): no Slack call per request.
  const app = new App({
    signingSecret: process.env.SLACK_SIGNING_SECRET!,
    authorize: async () => ({ botToken: "xoxb-reference", botId: "B0REFERENCE", botUserId: "U0REFERENCE" }),
  });
  app.command("/incident", async ({ command, ack }) => {
    const [verb, ...rest] = command.text.split(" ");
    const client = await pool.connect();
    try {
      await client.query("BEGIN");
      const found = await client.query("SELECT id, number FROM incident WHERE channel_id = $1", [command.channel_id]);
      const incident = found.rows[0] as { id: number; number: number };
      const event = await client.query(
        "INSERT INTO timeline_event (incident_id, kind, data, actor_id, occurred_at) VALUES ($1, $2, $3, $4, now()) RETURNING id",
        [incident.id, verb, JSON.stringify({ kind: verb, text: rest.join(" ") }), command.user_id],
      );
      await client.query(
        "INSERT INTO outbox_message (idempotency_key, kind, incident_id, payload, lane, created_at, next_attempt_at) VALUES ($1, 'incident.post', $2, '{}', 'channel', now(), now())",
        [`reference:${event.rows[0].id}`, incident.id],
      );
      await client.query("COMMIT");
      await ack({ response_type: "ephemeral", text: `INC-${incident.number}: noted.` });
    } catch (err) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  });
  await app.start(Number(process.env.PORT));
  process.stdout.write("ready\n");
}

if (process.argv.includes("--reference")) {
  await reference();
} else {
  await main();
}

// ------------------------------------------------------------------ the run

async function main(): Promise<void> {
  const args = process.argv.slice(2).filter((a) => !a.startsWith("--"));
  const requests = Number(args[0] ?? 2000);
  const concurrency = Number(args[1] ?? 16);
  const profile = process.argv.includes("--profile");
  const ROUNDS = Number(process.argv.find((a) => a.startsWith("--rounds="))?.slice("--rounds=".length) ?? 3);
  const allVerbs = ["note", "update", "sev"] as const;
  const only = process.argv.find((a) => a.startsWith("--verbs="))?.slice("--verbs=".length).split(",");
  const verbs = allVerbs.filter((v) => !only || only.includes(v));

  const { startEmbeddedPostgres } = await import("../src/db/embedded.ts");
  const { migrate } = await import("../src/db/migrate.ts");
  const { SlackStandIn } = await import("../src/standin/index.ts");
  const { slashCommand, signatureHeaders } = await import("../src/standin/requests.ts");

  const tmp = mkdtempSync(path.join(os.tmpdir(), "incident-bot-bench-"));
  // A throwaway cluster, as in the tests (fsync off): the numbers measure the code, not the disk.
  const embedded = process.env.DATABASE_URL ? null : await startEmbeddedPostgres({ dataDir: path.join(tmp, "pg"), durable: false, settings: { shared_preload_libraries: "pg_stat_statements" } });
  const urlFor = async (name: string) => {
    if (embedded) return embedded.createDatabase(name);
    const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${name}`);
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const u = new URL(process.env.DATABASE_URL!);
    u.pathname = `/${name}`;
    return u.toString();
  };
  const botUrl = await urlFor("bench_bot");
  const refUrl = await urlFor("bench_reference");
  await migrate(botUrl);
  await migrate(refUrl);
  // Statements per request, where the server counts them (pg_stat_statements is loaded).
  const stats = new pg.Client({ connectionString: botUrl });
  await stats.connect();
  const counting = await stats.query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements").then(() => stats.query("SELECT count(*) FROM pg_stat_statements")).then(() => true, () => false);
  const statements = async (database: string) =>
    counting
      ? Number((await stats.query("SELECT coalesce(sum(calls), 0)::int AS n FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = $1", [database])).rows[0].n)
      : NaN;

  const COMMANDER = "U0BENCHIC1";
  const slack = new SlackStandIn({ token: "xoxb-bench", users: [{ id: COMMANDER, name: "commander" }] });
  const apiUrl = await slack.start();
  const general = slack.addChannel("general", { members: [COMMANDER, slack.botUserId] }).id;
  const signingSecret = "bench-signing-secret";
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });

  const post = (url: string, body: string, contentType: string) =>
    new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = http.request(url, { method: "POST", agent, headers: { "content-type": contentType, "content-length": Buffer.byteLength(body), ...signatureHeaders(body, signingSecret) } }, (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c) => (text += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on("error", reject);
      req.end(body);
    });

  const command = (url: string, channelId: string, text: string) => {
    const { body, contentType } = slashCommand(slack, { userId: COMMANDER, channelId, command: "/incident", text, responseUrl: "https://hooks.slack.com/commands/bench/1/x" });
    return post(url, body, contentType);
  };

  const freePort = () =>
    new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, "127.0.0.1", () => {
        const port = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(port));
      });
    });

  /** CPU time a process has used (user + system), in ms: robust to other load on the machine. */
  const cpuMs = (child: ChildProcess) => {
    const fields = readFileSync(`/proc/${child.pid}/stat`, "utf8").split(") ")[1].split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in clock ticks (100 Hz)
  };

  // Whatever happens, the processes started here stop with this one.
  const children = new Set<ChildProcess>();
  process.on("exit", () => children.forEach((c) => c.kill("SIGKILL")));

  const rssMb = (child: ChildProcess) => {
    const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
    return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
  };

  async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 30_000) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (await check().catch(() => false)) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`${what} did not happen within ${timeoutMs / 1000}s`);
  }

  const healthy = (port: number) => () =>
    new Promise<boolean>((resolve) => {
      http.get(`http://127.0.0.1:${port}/healthz`, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      }).on("error", () => resolve(false));
    });

  // the bot runs as `npm start` runs it: with the node flags of the start script
  const startScript = (JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts.start;
  const startFlags = startScript.split(/\s+/).filter((a) => a.startsWith("--"));

  async function startBot(): Promise<{ child: ChildProcess; port: number; startupMs: number }> {
    const port = await freePort();
    const started = performance.now();
    const child = spawn(process.execPath, [...startFlags, ...(profile ? ["--cpu-prof", `--cpu-prof-dir=${tmp}`] : []), path.join(root, "bin/incident-bot.js"), "serve"], {
      cwd: tmp,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        DATABASE_URL: botUrl,
        SLACK_BOT_TOKEN: "xoxb-bench",
        SLACK_SIGNING_SECRET: signingSecret,
        SLACK_API_URL: apiUrl,
        PORT: String(port),
        LOG_LEVEL: "warn",
      },
      stdio: ["ignore", "ignore", "inherit"],
    });
    children.add(child);
    await waitFor(healthy(port), "the bot's /healthz");
    return { child, port, startupMs: performance.now() - started };
  }

  async function stop(child: ChildProcess) {
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    await exited;
  }

  // --- the bot: first start migrates nothing (done above); declare the incident used by the load
  let bot = await startBot();
  await stop(bot.child);
  bot = await startBot(); // start-up on an existing database, measured on this second start
  const botEvents = `http://127.0.0.1:${bot.port}/slack/events`;
  const declared = await command(botEvents, general, "declare Checkout is slow sev2");
  if (declared.status !== 200) throw new Error(`declare answered ${declared.status}: ${declared.text}`);
  const sql = new pg.Client({ connectionString: botUrl });
  await sql.connect();
  let channelId = "";
  await waitFor(async () => {
    const { rows } = await sql.query("SELECT channel_id FROM incident WHERE number = 1");
    channelId = rows[0]?.channel_id ?? "";
    return channelId !== "";
  }, "the incident's channel");
  await new Promise((r) => setTimeout(r, 1500)); // let the declaration's messages go out
  const idleRss = rssMb(bot.child);

  // --- the reference, on its own database, with an incident in the same channel
  const refPort = await freePort();
  const ref = spawn(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), "--reference"], {
    cwd: root,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: refUrl, SLACK_SIGNING_SECRET: signingSecret, PORT: String(refPort) },
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.add(ref);
  await new Promise<void>((resolve) => ref.stdout!.on("data", (d) => String(d).includes("ready") && resolve()));
  const refSql = new pg.Client({ connectionString: refUrl });
  await refSql.connect();
  await refSql.query(
    `INSERT INTO incident (number, title, severity, status, commander_id, channel_name, channel_id, declared_by_id, declared_at)
     VALUES (1, 'Checkout is slow', 'SEV2', 'investigating', $1, 'inc-1-checkout-is-slow', $2, $1, now())`,
    [COMMANDER, channelId],
  );
  const refEvents = `http://127.0.0.1:${refPort}/slack/events`;

  const textFor = (verb: (typeof allVerbs)[number], i: number) =>
    verb === "note" ? `note checked the dashboards ${i}` : verb === "update" ? `update mitigation ${i} is rolling out` : `sev ${1 + (i % 4)}`;

  async function load(url: string, verb: (typeof allVerbs)[number], n: number, database: string, server: ChildProcess) {
    const latencies: number[] = [];
    const statementsBefore = await statements(database);
    const cpuBefore = cpuMs(server);
    let failed = 0;
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < n) {
          const i = next++;
          const t = performance.now();
          const res = await command(url, channelId, textFor(verb, i));
          latencies.push(performance.now() - t);
          if (res.status !== 200 || /went wrong/.test(res.text)) failed++;
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.ceil(p * latencies.length) - 1)];
    return { rps: n / seconds, p50: q(0.5), p99: q(0.99), failed, statements: ((await statements(database)) - statementsBefore) / n, cpu: (cpuMs(server) - cpuBefore) / n };
  }

  console.log(
    `${requests} signed /incident requests per verb and round, ${concurrency} at a time, ${ROUNDS} rounds (bot and reference in turn; the median round shown), ` +
      `${os.cpus().length} cores, PostgreSQL ${embedded ? "embedded (fsync off)" : "from DATABASE_URL"}, logs at warn`,
  );
  console.log(`start-up to /healthz 200 on an existing database: ${bot.startupMs.toFixed(0)} ms`);
  console.log(`resident memory when idle: ${idleRss.toFixed(0)} MB`);
  console.log("");
  console.log("(stmts: SQL statements per request; cpu: CPU ms of the server process per request)");
  console.log("verb    bot req/s  p50 ms  p99 ms  stmts   cpu | ref req/s  p50 ms  p99 ms  stmts   cpu | ratio");
  for (const verb of verbs) {
    const warm = Math.min(300, requests);
    await load(botEvents, verb, warm, "bench_bot", bot.child);
    await load(refEvents, verb, warm, "bench_reference", ref);
    // Rounds taken in turn, so that both see the same machine; each side's median round is shown.
    const rounds: { b: Awaited<ReturnType<typeof load>>; r: Awaited<ReturnType<typeof load>> }[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      rounds.push({ b: await load(botEvents, verb, requests, "bench_bot", bot.child), r: await load(refEvents, verb, requests, "bench_reference", ref) });
    }
    const median = <T extends { rps: number }>(xs: T[]) => [...xs].sort((x, y) => x.rps - y.rps)[Math.floor(xs.length / 2)];
    const b = median(rounds.map((x) => x.b));
    const r = median(rounds.map((x) => x.r));
    const row = [
      verb.padEnd(6),
      b.rps.toFixed(0).padStart(10),
      b.p50.toFixed(1).padStart(7),
      b.p99.toFixed(1).padStart(7),
      b.statements.toFixed(1).padStart(6),
      b.cpu.toFixed(2).padStart(5),
      "|",
      r.rps.toFixed(0).padStart(9),
      r.p50.toFixed(1).padStart(7),
      r.p99.toFixed(1).padStart(7),
      r.statements.toFixed(1).padStart(6),
      r.cpu.toFixed(2).padStart(5),
      "|",
      `${(b.rps / r.rps).toFixed(2)}×`,
    ];
    console.log(row.join(" ") + (b.failed + r.failed ? `  (failed: bot ${b.failed}, reference ${r.failed})` : ""));
    if (process.argv.includes("--statements") && counting) {
      const { rows } = await stats.query(
        "SELECT calls, left(regexp_replace(query, '\\s+', ' ', 'g'), 150) AS query FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = 'bench_bot' ORDER BY calls DESC LIMIT 25",
      );
      for (const row of rows) console.log(`  ${String(row.calls).padStart(7)}  ${row.query}`);
      await stats.query("SELECT pg_stat_statements_reset()");
    }
  }
  console.log(`resident memory after the load: ${rssMb(bot.child).toFixed(0)} MB`);

  // --- a burst: 20 changes to one incident within 2 s, and the card edits they cause (on an
  // incident of its own: the first one's messages, thousands after the load, go out in order)
  const burst = await command(botEvents, general, "declare Burst of changes sev3");
  const burstNumber = Number(/INC-(\d+)/.exec(burst.text)?.[1]);
  let burstChannel = "";
  await waitFor(async () => {
    const { rows } = await sql.query("SELECT channel_id, card_ts FROM incident WHERE number = $1", [burstNumber]);
    burstChannel = rows[0]?.card_ts ? rows[0].channel_id : "";
    return burstChannel !== "";
  }, "the burst incident's card");
  const drained = async () =>
    (await sql.query("SELECT count(*)::int AS n FROM outbox_message m JOIN incident i ON i.id = m.incident_id WHERE m.state = 'pending' AND i.number = $1", [burstNumber])).rows[0].n === 0;
  const cardEdits = () => slack.calls.filter((c) => c.method === "chat.update" && c.args.channel === burstChannel).length;
  const before = cardEdits();
  for (let i = 0; i < 20; i++) {
    await command(botEvents, burstChannel, `sev ${1 + (i % 4)}`);
    await new Promise((r) => setTimeout(r, 90));
  }
  await waitFor(drained, "the burst's messages to go out");
  const edits = cardEdits() - before;
  console.log(`a burst of 20 severity changes within 2 s: ${edits} chat.update calls`);

  await stop(bot.child);
  ref.kill("SIGTERM");
  await sql.end();
  await refSql.end();
  await stats.end();
  agent.destroy();
  await slack.stop();
  if (embedded) await embedded.stop();
  if (profile) console.log(`CPU profile of the bot: ${tmp}/*.cpuprofile`);
  else rmSync(tmp, { recursive: true, force: true });
  if (embedded) rmSync(embedded.passwordFile, { force: true });
}
