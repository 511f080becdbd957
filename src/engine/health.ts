// Health that tells the truth. /healthz is liveness: the process answers. /readyz is readiness:
// 200 only when the pager works: the database answers, its migrations are applied, Slack accepts
// the token, the oldest message waiting for Slack is young enough, and the engine completed a
// tick recently; otherwise 503, naming each failing check.
import type { Clock } from "../clock.ts";
import type { Db } from "../db/client.ts";
import { readMigrations } from "../db/migrate.ts";
import { appliedMigrations, ping } from "../db/tx.ts";
import type { AuthCircuit } from "./circuit.ts";
import type { Engine } from "./engine.ts";
import { backlog } from "./store.ts";

export interface CheckResult {
  ok: boolean;
  detail: string;
}

export interface Readiness {
  ready: boolean;
  failing: string[];
  checks: Record<string, CheckResult>;
}

export interface ReadinessOptions {
  db: Db;
  clock: Clock;
  circuit: AuthCircuit;
  engine: Engine;
  /** The oldest pending message for Slack may be this old. */
  maxOutboxAgeSeconds: number;
  /** The last completed engine tick may be this old. */
  maxTickAgeSeconds: number;
}

const CHECK_TIMEOUT_MS = 2_000;

function within<T>(work: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    work,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not answer within ${CHECK_TIMEOUT_MS / 1000}s`)), CHECK_TIMEOUT_MS);
    }),
  ]).finally(() => clearTimeout(timer));
}

const seconds = (ms: number) => `${Math.round(ms / 1000)}s`;

export function readinessChecker(opts: ReadinessOptions): () => Promise<Readiness> {
  let migrationsApplied = false;

  const database = async (): Promise<CheckResult> => {
    await within(ping(opts.db), "the database");
    return { ok: true, detail: "answers" };
  };

  const migrations = async (): Promise<CheckResult> => {
    if (migrationsApplied) return { ok: true, detail: "applied" };
    const applied = new Set(await within(appliedMigrations(opts.db), "the database"));
    const missing = readMigrations().filter((m) => !applied.has(m.name)).map((m) => m.name);
    if (missing.length > 0) return { ok: false, detail: `not applied: ${missing.join(", ")} (run incident-bot migrate)` };
    migrationsApplied = true;
    return { ok: true, detail: "applied" };
  };

  const slack = async (): Promise<CheckResult> => {
    const s = opts.circuit.status();
    if (s.open) return { ok: false, detail: `Slack refuses the bot's token (${s.code}) since ${s.openedAt?.toISOString()}; deliveries to Slack are paused` };
    if (!s.verified) return { ok: false, detail: s.lastProbeError ? `Slack could not confirm the token: ${s.lastProbeError}` : "Slack has not confirmed the token yet" };
    return { ok: true, detail: "Slack accepts the token" };
  };

  const outbox = async (): Promise<CheckResult> => {
    const rows = (await within(backlog(opts.db), "the database")).filter((r) => r.lane !== "exports");
    const now = opts.clock.now().getTime();
    const oldest = rows.map((r) => r.oldestCreatedAt?.getTime()).filter((t): t is number => t !== undefined).sort((a, b) => a - b)[0];
    const pending = rows.map((r) => `${r.lane} ${r.pending}`).join(", ");
    if (oldest !== undefined && now - oldest > opts.maxOutboxAgeSeconds * 1000) {
      return { ok: false, detail: `a message has waited ${seconds(now - oldest)} for Slack (more than ${opts.maxOutboxAgeSeconds}s); pending: ${pending}` };
    }
    return { ok: true, detail: `pending: ${pending}` };
  };

  const engine = async (): Promise<CheckResult> => {
    const last = opts.engine.lastCompletedTickAt();
    const failing = opts.engine.moduleStatus().filter((m) => m.lastError !== null);
    const modules = failing.length ? `; failing: ${failing.map((m) => `${m.name} (${m.lastError})`).join(", ")}` : "";
    if (!last) return { ok: false, detail: `no tick has completed yet${modules}` };
    const age = opts.clock.now().getTime() - last.getTime();
    if (age > opts.maxTickAgeSeconds * 1000) return { ok: false, detail: `the last completed tick was ${seconds(age)} ago${modules}` };
    return { ok: true, detail: `last tick ${seconds(age)} ago${modules}` };
  };

  const all: Record<string, () => Promise<CheckResult>> = { database, migrations, slack, outbox, engine };
  return async () => {
    const entries = await Promise.all(
      Object.entries(all).map(async ([name, check]) => [name, await check().catch((err: Error) => ({ ok: false, detail: err.message }))] as const),
    );
    const checks = Object.fromEntries(entries);
    const failing = entries.filter(([, r]) => !r.ok).map(([name]) => name);
    return { ready: failing.length === 0, failing, checks };
  };
}
