// Starts the PostgreSQL the tests use: DATABASE_URL when it is set, otherwise an embedded one
// started here (nothing needs to be installed). Each test file then gets a fresh database,
// migrated the way production migrates (see test/support/db.ts).
import os from "node:os";
import path from "node:path";
import { rmSync } from "node:fs";
import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "../../src/db/embedded.ts";

declare module "vitest" {
  export interface ProvidedContext {
    adminDatabaseUrl: string;
  }
}

let embedded: EmbeddedPostgres | undefined;

export async function setup(project: TestProject): Promise<void> {
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    const dataDir = path.join(os.tmpdir(), `incident-bot-test-pg-${process.pid}`);
    // thrown away at the end: no need to survive a crash of the machine, and much faster without fsync
    embedded = await startEmbeddedPostgres({ dataDir, durable: false });
    adminUrl = embedded.url;
  }
  project.provide("adminDatabaseUrl", adminUrl);
}

export async function teardown(): Promise<void> {
  if (embedded) {
    await embedded.stop();
    rmSync(embedded.dataDir, { recursive: true, force: true });
    rmSync(embedded.passwordFile, { force: true });
  }
}
