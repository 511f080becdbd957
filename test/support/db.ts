// A fresh, migrated database for one test file.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { inject } from "vitest";
import { createDb, type Db } from "../../src/db/client.ts";
import { migrate } from "../../src/db/migrate.ts";

export interface TestDatabase {
  url: string;
  db: Db;
  /** Another client with its own connections, as a second bot process would have. */
  connect(): Db;
  drop(): Promise<void>;
}

export async function freshDatabase(): Promise<TestDatabase> {
  const adminUrl = inject("adminDatabaseUrl");
  const name = `incident_bot_test_${randomBytes(5).toString("hex")}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  await migrate(url.toString());
  const clients: Db[] = [];
  const connect = () => {
    const c = createDb(url.toString(), { max: 5 });
    clients.push(c);
    return c;
  };
  const db = connect();
  return {
    url: url.toString(),
    db,
    connect,
    async drop() {
      await Promise.all(clients.map((c) => c.$disconnect()));
      const a = new pg.Client({ connectionString: adminUrl });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}
