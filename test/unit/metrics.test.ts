// The metrics module on its own: a database that never answers cannot hang a scrape, label values
// stay bounded, apps do not share counts, and the request labels come from what the bot knows.
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../src/clock.ts";
import type { Db } from "../../src/db/client.ts";
import { memoryLogger } from "../../src/log.ts";
import { bounded, Metrics } from "../../src/metrics/index.ts";
import { requestLabels, verbOf } from "../../src/slack/request-metrics.ts";
import { parseMetrics } from "../support/metrics.ts";

/** A database whose queries never answer; counts how many were asked. */
function stuckDb(): { db: Db; asked: () => number } {
  let asked = 0;
  const db = {
    $queryRaw: () => {
      asked++;
      return new Promise(() => undefined);
    },
  } as unknown as Db;
  return { db, asked: () => asked };
}

describe("metrics", () => {
  it("a stuck database does not hang the scrape: the rest is served, the failure counted, its gauges left out, one query at a time", async () => {
    const { db, asked } = stuckDb();
    const log = memoryLogger();
    const metrics = new Metrics({ db, clock: new ManualClock(), log, databaseTimeoutMs: 100 });
    metrics.pageStarted();
    const started = Date.now();
    const [first, second] = await Promise.all([metrics.scrape(), metrics.scrape()]);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(asked()).toBe(1); // the second scrape waited on the same read
    for (const text of [first, second]) {
      const s = parseMetrics(text);
      expect(s.value("incident_bot_pages_started_total")).toBe(1);
      expect(s.value("incident_bot_scrape_database_ok")).toBe(0);
      expect(s.has("incident_bot_outbox_pending_messages", { lane: "pages" })).toBe(false);
      expect(s.has("incident_bot_open_incidents", { severity: "SEV1" })).toBe(false);
      expect(s.has("process_cpu_user_seconds_total")).toBe(true);
    }
    expect(parseMetrics(await metrics.scrape()).value("incident_bot_scrape_errors_total", { source: "database" })).toBe(3);
    expect(log.lines.some((l) => l.includes("could not read the database's gauges"))).toBe(true);
  });

  it("keeps each app's counts to itself, and the process metrics once", async () => {
    const a = new Metrics({ db: stuckDb().db, clock: new ManualClock(), log: memoryLogger(), databaseTimeoutMs: 10 });
    const b = new Metrics({ db: stuckDb().db, clock: new ManualClock(), log: memoryLogger(), databaseTimeoutMs: 10 });
    a.request("command", "declare", "ok", 0.01);
    a.pageAcknowledged(42);
    const [sa, sb] = [parseMetrics(await a.scrape()), parseMetrics(await b.scrape())];
    expect(sa.value("incident_bot_requests_total", { kind: "command", name: "declare", outcome: "ok" })).toBe(1);
    expect(sb.value("incident_bot_requests_total", { kind: "command", name: "declare", outcome: "ok" })).toBe(0);
    expect(sa.value("incident_bot_page_time_to_acknowledge_seconds_bucket", { le: "60" })).toBe(1);
    expect(sa.value("incident_bot_page_time_to_acknowledge_seconds_bucket", { le: "30" })).toBe(0);
    expect(sa.samples.filter((s) => s.name === "process_start_time_seconds").length).toBe(1);
  });

  it("bounds label values: Slack methods and error codes by their shape, anything else is other", async () => {
    expect(bounded("chat.postMessage")).toBe("chat.postMessage");
    expect(bounded("channel_not_found")).toBe("channel_not_found");
    for (const bad of ["", null, "Robert'); DROP", "x".repeat(100), "<script>", "has space"]) expect(bounded(bad)).toBe("other");
    const m = new Metrics({ db: stuckDb().db, clock: new ManualClock(), log: memoryLogger(), databaseTimeoutMs: 10 });
    m.slackCall("chat.postMessage", "a weird\nanswer", 0.1);
    m.slackCall("chat.postMessage", "ratelimited", 0.1);
    const s = parseMetrics(await m.scrape());
    expect(s.value("incident_bot_slack_calls_total", { method: "chat.postMessage", result: "other" })).toBe(1);
    expect(s.value("incident_bot_slack_rate_limited_total", { method: "chat.postMessage" })).toBe(1);
  });

  it("names requests from what the bot knows: verbs of the COMMANDS table, its action and view ids, its events", () => {
    expect(verbOf("declare Checkout down sev1")).toBe("declare");
    expect(verbOf("")).toBe("declare-modal");
    expect(verbOf("INC-3 sev 9")).toBe("sev"); // does not parse, but the verb is known
    expect(verbOf("rm -rf /")).toBe("unknown");
    expect(requestLabels({ command: "/incident", text: "ack" })).toEqual({ kind: "command", name: "ack" });
    expect(requestLabels({ type: "block_actions", actions: [{ action_id: "incident_status:resolved" }] })).toEqual({ kind: "action", name: "incident_status" });
    expect(requestLabels({ type: "block_actions", actions: [{ action_id: "made_up" }] })).toEqual({ kind: "action", name: "unknown" });
    expect(requestLabels({ type: "view_submission", view: { callback_id: "incident_declare" } })).toEqual({ kind: "view", name: "incident_declare" });
    expect(requestLabels({ type: "event_callback", event: { type: "app_mention" } })).toEqual({ kind: "event", name: "app_mention" });
    expect(requestLabels({ type: "event_callback", event: { type: "reaction_added" } })).toEqual({ kind: "event", name: "unknown" });
    expect(requestLabels({ type: "shortcut" })).toEqual({ kind: "other", name: "unknown" });
  });
});
