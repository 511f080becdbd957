// With the bot's token configured, `rota plan` checks the people a rota names against Slack.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SlackStandIn } from "../../src/standin/index.ts";
import { freshDatabase, type TestDatabase } from "../support/db.ts";
import { runCli as run } from "../support/process.ts";

const ROOT = path.resolve(__dirname, "../..");
const SAMPLE = ["U0ALICE001", "U0BOB00002", "U0CAROL003", "U0DAVE0004", "U0ERIN0005"];

let slack: SlackStandIn;
let t: TestDatabase;
let env: Record<string, string>;
const cwd = mkdtempSync(path.join(os.tmpdir(), "rota-users-"));
beforeAll(async () => {
  slack = new SlackStandIn({ token: "xoxb-rota-check", users: SAMPLE.slice(0, 4).map((id) => ({ id, name: id.toLowerCase() })) });
  t = await freshDatabase();
  env = { DATABASE_URL: t.url, SLACK_BOT_TOKEN: "xoxb-rota-check", SLACK_SIGNING_SECRET: "a-signing-secret", SLACK_API_URL: await slack.start() };
});
afterAll(async () => {
  await slack.stop();
  await t.drop();
});

describe("rota plan with Slack at hand", () => {
  it("names every reference to a person Slack does not know, with its path, and writes nothing", async () => {
    const r = await run(["rota", "plan", path.join(ROOT, "examples/rota.yaml")], env, cwd);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/names people Slack does not know/);
    expect(r.stderr).toMatch(/schedules\.platform-primary\.layers\[\d\]\.members\[\d\]: unknown Slack user U0ERIN0005/);
    expect(r.stderr).not.toContain("U0ALICE001");
    expect(await t.db.schedule.count()).toBe(0);
  });

  it("passes when everyone exists", async () => {
    slack.addUser({ id: "U0ERIN0005", name: "erin" });
    const r = await run(["rota", "plan", path.join(ROOT, "examples/rota.yaml")], env, cwd);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("+ schedule platform-primary");
  });

  it("carries on, saying so, when Slack cannot be asked", async () => {
    const file = path.join(cwd, "rota.yaml");
    writeFileSync(file, readFileSync(path.join(ROOT, "examples/rota.yaml"), "utf8"));
    const r = await run(["rota", "plan", file], { ...env, SLACK_API_URL: "http://127.0.0.1:1/api/" }, cwd);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/Could not check the file's users with Slack/);
  });
});
