// `incident-bot serve` as a user runs it on a fresh clone: no Slack credentials → local mode,
// saying so and where to open it; INCIDENT_BOT_LOCAL=0 → the old exit with how to create the app.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { freshDatabase } from "../support/db.ts";
import { parseMetrics } from "../support/metrics.ts";
import { freePort, startCli, until } from "../support/process.ts";
import { pageHeaders, pageToken } from "./helpers.ts";

const run = (env: Record<string, string>, cwd: string) => startCli(["serve"], env, cwd);

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

describe("incident-bot serve without Slack credentials", () => {
  it("starts local mode, says where to open it, serves the workspace, and stops cleanly on SIGTERM", { timeout: 60_000 }, async () => {
    const t = await freshDatabase();
    cleanups.push(() => t.drop());
    const cwd = mkdtempSync(path.join(os.tmpdir(), "bot-local-cwd-"));
    cleanups.push(async () => rmSync(cwd, { recursive: true, force: true }));
    const port = await freePort();
    // a database of its own: local mode only when asked for (INCIDENT_BOT_LOCAL=1)
    const p = run({ DATABASE_URL: t.url, PORT: String(port), INCIDENT_BOT_LOCAL: "1" }, cwd);
    cleanups.push(async () => {
      if (p.child.exitCode === null) p.child.kill("SIGKILL");
    });

    await until("the ready line", async () => (p.output().includes("local workspace ready") ? true : undefined), p.output);
    expect(p.output()).toContain("Slack credentials are not set (SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET): starting in local mode");
    expect(p.output()).toContain(`open http://localhost:${port}/`);
    expect(p.output()).toContain("applied the sample rota");
    expect(p.output()).not.toContain("slack-app-manifest.yml");

    const base = `http://127.0.0.1:${port}/`;
    expect((await fetch(base)).status).toBe(200);
    // as the page does: this run's token from the page, sent with every request
    const headers = pageHeaders(base, await pageToken(base));
    const state = (await (await fetch(`${base}api/state?user=U0ERIN0005`, { headers })).json()) as { channels: { id: string; name: string }[] };
    const general = state.channels.find((c) => c.name === "general")!;
    const res = await fetch(`${base}api/command`, {
      method: "POST",
      headers,
      body: JSON.stringify({ user: "U0ERIN0005", channel: general.id, text: "/incident declare From the command line sev3" }),
    });
    expect(((await res.json()) as { answer: { text: string } }).answer.text).toContain("INC-1");
    await until(
      "the incident channel",
      async () => {
        const s = (await (await fetch(`${base}api/state?user=U0ERIN0005`, { headers })).json()) as { channels: { name: string }[] };
        return s.channels.find((c) => c.name === "inc-1-from-the-command-line");
      },
      p.output,
    );
    // liveness, readiness and metrics, as in HTTP mode
    expect((await fetch(`${base}healthz`)).status).toBe(200);
    const ready = await until("readiness", async () => {
      const r = await fetch(`${base}readyz`);
      return r.status === 200 ? ((await r.json()) as { status: string; failing: string[] }) : undefined;
    }, p.output);
    expect(ready).toMatchObject({ status: "ready", failing: [] });
    // and the metrics
    const metrics = await fetch(`${base}metrics`);
    expect(metrics.status).toBe(200);
    expect(parseMetrics(await metrics.text()).value("incident_bot_requests_total", { kind: "command", name: "declare", outcome: "ok" })).toBe(1);
    // postmortem drafts default to <DATA_DIR>/postmortems (DATA_DIR is .data in the working directory)
    expect(existsSync(path.join(cwd, ".data/postmortems"))).toBe(true);

    p.child.kill("SIGTERM");
    expect(await p.exited).toBe(0);
    expect(p.output()).toContain("stopped");
  });

  it("with INCIDENT_BOT_LOCAL=0 exits, naming what is missing and how to create the app", async () => {
    const cwd = mkdtempSync(path.join(os.tmpdir(), "bot-local-cwd-"));
    const p = run({ INCIDENT_BOT_LOCAL: "0" }, cwd);
    expect(await p.exited).toBe(1);
    expect(p.output()).toContain("SLACK_BOT_TOKEN");
    expect(p.output()).toContain("SLACK_SIGNING_SECRET");
    expect(p.output()).toContain("slack-app-manifest.yml");
    rmSync(cwd, { recursive: true, force: true });
  });
});
