// `incident-bot integration token|list` and `rota plan|apply` with integrations, as a user runs
// them: in their own process, against a real database.
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashToken } from "../../src/alerts/tokens.ts";
import { policy, rotaFile, weeklySchedule } from "../fixtures/rotas.ts";
import { freshDatabase, type TestDatabase } from "../support/db.ts";
import { runCli } from "../support/process.ts";

let cwd: string;
let t: TestDatabase;
let file: string;

beforeAll(async () => {
  cwd = mkdtempSync(path.join(os.tmpdir(), "integration-cli-"));
  t = await freshDatabase();
  file = path.join(cwd, "rota.yaml");
  writeFileSync(
    file,
    rotaFile({ schedules: [weeklySchedule("primary", "UTC", ["U0ALICE001"])], policies: [policy("platform", [[["schedule:primary"], "5m"]])], services: { checkout: "platform" } }) +
      "integrations:\n  prometheus: { kind: alertmanager, service: checkout }\n  nightly-backup: { kind: heartbeat, service: checkout, every: 1h, grace: 10m }\n",
  );
});
afterAll(async () => t?.drop());

describe("incident-bot integration", () => {
  it("rota plan lists the integrations to create; apply writes them", async () => {
    const env = { DATABASE_URL: t.url };
    const plan = await runCli(["rota", "plan", file], env, cwd);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain("+ integration prometheus: alertmanager → service checkout");
    expect(plan.stdout).toContain("+ integration nightly-backup: heartbeat → service checkout");
    const applied = await runCli(["rota", "apply", file], env, cwd);
    expect(applied.code).toBe(0);
    expect((await runCli(["rota", "plan", file], env, cwd)).stdout).toMatch(/^No changes\./);
  });

  it("token prints a new token as the only line on stdout, keeps only its hash, and replaces the previous one", async () => {
    const env = { DATABASE_URL: t.url };
    const first = await runCli(["integration", "token", "prometheus"], env, cwd);
    expect(first.code).toBe(0);
    const lines = first.stdout.split("\n").filter(Boolean);
    expect(lines.length).toBe(1);
    const token = lines[0];
    expect(token).toMatch(/^ibt_[A-Za-z0-9_-]{40,}$/);
    const stored = await t.db.integrationState.findUniqueOrThrow({ where: { integration: "prometheus" } });
    expect(stored.tokenHash).toBe(hashToken(token));
    expect(JSON.stringify(stored)).not.toContain(token);

    const second = await runCli(["integration", "token", "prometheus"], env, cwd);
    const next = second.stdout.trim();
    expect(next).not.toBe(token);
    expect((await t.db.integrationState.findUniqueOrThrow({ where: { integration: "prometheus" } })).tokenHash).toBe(hashToken(next));

    const list = await runCli(["integration", "list"], env, cwd);
    expect(list.stdout).toContain("prometheus  alertmanager → checkout  POST /integrations/prometheus  token set");
    expect(list.stdout).toContain("nightly-backup  heartbeat → checkout every 3600s + 600s grace  POST /integrations/nightly-backup  no token");
  });

  it("an unknown integration exits 1 naming those there are; bad usage exits 2", async () => {
    const env = { DATABASE_URL: t.url };
    const unknown = await runCli(["integration", "token", "grafana"], env, cwd);
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toBe("");
    expect(unknown.stderr).toContain('There is no integration "grafana". Integrations: nightly-backup, prometheus.');
    const usage = await runCli(["integration", "token"], env, cwd);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("incident-bot integration token <name>");
  });
});
