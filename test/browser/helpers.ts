// Shared by the local workspace tests: local mode in this process on a fresh database, and small
// helpers to read its API. (Local mode itself never imports from test/.)
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Clock } from "../../src/clock.ts";
import { parseConfig } from "../../src/config.ts";
import { memoryLogger } from "../../src/log.ts";
import { startLocalMode, type LocalMode } from "../../src/local/mode.ts";
import { TOKEN_HEADER } from "../../src/local/server.ts";
import type { Snapshot, UiMessage } from "../../src/local/snapshot.ts";
import { freshDatabase, type TestDatabase } from "../support/db.ts";

export const ALICE = "U0ALICE001";
export const BOB = "U0BOB00002";
export const ERIN = "U0ERIN0005";

/** A clock that starts at `start` and then runs at real speed (the page and the engine keep moving). */
export function runningClockFrom(start: string): Clock {
  const offset = new Date(start).getTime() - Date.now();
  return { now: () => new Date(Date.now() + offset) };
}

/** This run's token, read from the page the way the page's own modules read it. */
export async function pageToken(base: string): Promise<string> {
  const html = await (await fetch(base)).text();
  const token = /<meta name="incident-bot-token" content="([^"]*)">/.exec(html)?.[1];
  if (!token || token.includes("{")) throw new Error(`the page at ${base} carries no token`);
  return token;
}

/** The headers of the page's own requests: its origin, the token, JSON. */
export function pageHeaders(base: string, token: string): Record<string, string> {
  return { origin: new URL(base).origin, [TOKEN_HEADER]: token, "content-type": "application/json" };
}

export interface LocalHarness {
  local: LocalMode;
  t: TestDatabase;
  dataDir: string;
  log: ReturnType<typeof memoryLogger>;
  /** The token of the page this run serves. */
  token: string;
  state(user: string): Promise<Snapshot>;
  post(path: string, body: unknown): Promise<any>;
  stop(): Promise<void>;
}

export async function startLocal(opts: { clock?: Clock } = {}): Promise<LocalHarness> {
  const t = await freshDatabase();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "incident-bot-local-"));
  delete process.env.POSTMORTEM_DIR; // local mode's default: <DATA_DIR>/postmortems
  const config = parseConfig({ DATA_DIR: dataDir, PORT: "0", ENGINE_TICK_SECONDS: "1" });
  const log = memoryLogger();
  const local = await startLocalMode({ config, db: t.db, log, port: 0, clock: opts.clock });
  const base = local.url;
  const token = await pageToken(base);
  return {
    local,
    t,
    dataDir,
    log,
    token,
    async state(user) {
      const res = await fetch(`${base}api/state?user=${user}`, { headers: { [TOKEN_HEADER]: token } });
      if (!res.ok) throw new Error(`state: HTTP ${res.status} ${await res.text()}`);
      return (await res.json()) as Snapshot;
    },
    async post(p, body) {
      const res = await fetch(`${base}${p.replace(/^\//, "")}`, { method: "POST", headers: pageHeaders(base, token), body: JSON.stringify(body) });
      const json = await res.json();
      if (!res.ok) throw new Error(`${p}: HTTP ${res.status} ${JSON.stringify(json)}`);
      return json;
    },
    async stop() {
      await local.stop();
      await t.drop();
      delete process.env.POSTMORTEM_DIR;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Polls until `fn` returns something (the bot's outbox delivers on its own, shortly after). */
export async function until<T>(what: string, fn: () => Promise<T | undefined | null | false>, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** All the text of a message, its blocks included, for assertions. */
export function textOf(m: UiMessage): string {
  return JSON.stringify([m.text, m.blocks]);
}
