// A PostgreSQL server of a test's own, to stop and start again: the tests that take the database
// away must not take it from the other test files, which share the suite's server.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createDb, type Db } from "../../src/db/client.ts";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "../../src/db/embedded.ts";
import { migrate } from "../../src/db/migrate.ts";
import { freePort } from "./process.ts";

export interface OwnPostgres {
  /** A migrated database on this server. */
  url: string;
  db: Db;
  connect(): Db;
  /** Stops the server (fast shutdown: connections are closed). */
  stop(): Promise<void>;
  /** Starts it again on the same port and data. */
  start(): Promise<void>;
  /** Stops it for good and removes its data. */
  destroy(): Promise<void>;
}

export async function ownPostgres(): Promise<OwnPostgres> {
  const dataDir = path.join(mkdtempSync(path.join(os.tmpdir(), "incident-bot-own-pg-")), "data");
  const port = await freePort();
  // thrown away at the end: durability would only slow the test down
  let server: EmbeddedPostgres | null = await startEmbeddedPostgres({ dataDir, port, durable: false });
  const actualDataDir = server.dataDir; // moved under the temporary folder when postgres cannot enter ours
  const passwordFile = server.passwordFile; // beside the data, wherever that is
  const url = await server.createDatabase("incident_bot");
  await migrate(url);
  const clients: Db[] = [];
  const connect = () => {
    const c = createDb(url, { max: 5 });
    clients.push(c);
    return c;
  };
  return {
    url,
    db: connect(),
    connect,
    async stop() {
      await server?.stop();
      server = null;
    },
    async start() {
      server ??= await startEmbeddedPostgres({ dataDir, port, durable: false });
    },
    async destroy() {
      await Promise.all(clients.map((c) => c.$disconnect().catch(() => undefined)));
      await server?.stop();
      server = null;
      rmSync(path.dirname(dataDir), { recursive: true, force: true });
      rmSync(actualDataDir, { recursive: true, force: true });
      rmSync(passwordFile, { force: true });
    },
  };
}
