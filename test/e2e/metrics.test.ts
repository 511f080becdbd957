// GET /metrics end to end: the real bot over signed HTTP, a clock the test moves, the Slack
// stand-in (down for a while, rate limiting once, refusing the token once). Scraped before and
// after a walk (declare, page, a due step left waiting then taken, acknowledge, a page exhausted,
// bad input, resolve), parsed as Prometheus parses it, and checked that the numbers moved by what
// happened. Also: the token rule, and that every metric the example alert rules use is served.
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { ALICE, BOB, CAROL, DAVE, ERIN, startBot, startHarness, startStandIn, type Harness } from "../support/bot.ts";
import { parseMetrics, type Scrape } from "../support/metrics.ts";
import { policy, rotaFile, weeklySchedule } from "../fixtures/rotas.ts";

const ROTA = rotaFile({
  schedules: [weeklySchedule("primary", "Europe/London", [ALICE])],
  policies: [policy("platform", [[["schedule:primary"], "5m"], [[`user:${CAROL}`], "10m"]], 0), policy("quick", [[[`user:${DAVE}`], "1m"]], 0)],
  services: { checkout: "platform", batch: "quick" },
});

const TOKEN = "metrics-token-0123456789abcdef";
const SEC = 1000;
const MIN = 60 * SEC;

let h: Harness;
let base: string;
beforeAll(async () => {
  h = await startHarness({ rota: ROTA, env: { METRICS_TOKEN: TOKEN } });
  base = h.url.replace("/slack/events", "");
});
afterAll(async () => h.stop());

async function scrape(token: string | null = TOKEN): Promise<Scrape> {
  const res = await fetch(`${base}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseMetrics(await res.text());
}

/** How much each of these series moved between two scrapes. */
function moved(before: Scrape, after: Scrape, series: [name: string, labels?: Record<string, string>][]): Record<string, number> {
  return Object.fromEntries(series.map(([name, labels = {}]) => [`${name}${Object.keys(labels).length ? JSON.stringify(labels) : ""}`, after.value(name, labels) - before.value(name, labels)]));
}

const dmOf = (user: string) => h.slack.channels().find((c) => c.isIm && c.members.includes(user))!.id;

describe("GET /metrics", () => {
  it("counts a walk: requests, pages, notifications, acknowledgements, time to acknowledge, deliveries, Slack calls and 429s; shows the backlog and late steps while they last", async () => {
    const s0 = await scrape();
    expect(s0.value("incident_bot_scrape_database_ok")).toBe(1);
    expect(s0.value("incident_bot_slack_auth_circuit_open")).toBe(0);
    for (const lane of ["pages", "channel", "exports"]) expect(s0.has("incident_bot_outbox_pending_messages", { lane })).toBe(true);
    expect(s0.types.get("incident_bot_requests_total")).toBe("counter");
    expect(s0.types.get("incident_bot_request_duration_seconds")).toBe("histogram");
    expect(s0.types.get("incident_bot_page_time_to_acknowledge_seconds")).toBe("histogram");
    // the process's own metrics, under their standard names
    expect(s0.has("process_cpu_user_seconds_total")).toBe(true);
    expect(s0.names().has("nodejs_eventloop_lag_seconds")).toBe(true);

    // Declared: a SEV1 for a service pages its policy's first level at once.
    const declared = await h.command("declare Checkout down sev1 service:checkout", { user: ERIN });
    const number = Number(/INC-(\d+)/.exec(declared.text)?.[1]);
    await h.deliver();
    const incident = (await h.bot.incidents.byNumber(number))!;
    const channel = incident.channelId!;
    const pageStartedAt = h.clock.now().getTime();
    const s1 = await scrape();
    expect(s1.value("incident_bot_open_incidents", { severity: "SEV1" }) - s0.value("incident_bot_open_incidents", { severity: "SEV1" })).toBe(1);
    expect(
      moved(s0, s1, [
        ["incident_bot_requests_total", { kind: "command", name: "declare", outcome: "ok" }],
        ["incident_bot_request_duration_seconds_count", { kind: "command", name: "declare" }],
        ["incident_bot_pages_started_total"],
        ["incident_bot_page_notifications_total"],
        ["incident_bot_outbox_deliveries_total", { lane: "pages", kind: "page.notify", outcome: "sent" }],
        ["incident_bot_outbox_deliveries_total", { lane: "channel", kind: "incident.create_channel", outcome: "sent" }],
        ["incident_bot_slack_calls_total", { method: "conversations.create", result: "ok" }],
      ]),
    ).toEqual({
      'incident_bot_requests_total{"kind":"command","name":"declare","outcome":"ok"}': 1,
      'incident_bot_request_duration_seconds_count{"kind":"command","name":"declare"}': 1,
      incident_bot_pages_started_total: 1,
      incident_bot_page_notifications_total: 1,
      'incident_bot_outbox_deliveries_total{"lane":"pages","kind":"page.notify","outcome":"sent"}': 1,
      'incident_bot_outbox_deliveries_total{"lane":"channel","kind":"incident.create_channel","outcome":"sent"}': 1,
      'incident_bot_slack_calls_total{"method":"conversations.create","result":"ok"}': 1,
    });
    expect(s1.value("incident_bot_slack_calls_total", { method: "chat.postMessage", result: "ok" })).toBeGreaterThan(s0.value("incident_bot_slack_calls_total", { method: "chat.postMessage", result: "ok" }));
    expect(s1.value("incident_bot_outbox_pending_messages", { lane: "channel" })).toBe(0);

    // Slack down: what the update says waits in the outbox, and the scrape shows how long.
    h.slack.down(true);
    await h.command("update Rolling back the deploy", { user: ERIN, channel });
    await h.deliver();
    h.clock.advance(40 * SEC);
    const s2 = await scrape();
    expect(s2.value("incident_bot_outbox_pending_messages", { lane: "channel" })).toBeGreaterThanOrEqual(1);
    expect(s2.value("incident_bot_outbox_oldest_due_age_seconds", { lane: "channel" })).toBe(40);
    expect(s2.value("incident_bot_outbox_oldest_due_age_seconds", { lane: "pages" })).toBe(0);
    expect(s2.value("incident_bot_slack_calls_total", { method: "chat.postMessage", result: "http_503" })).toBeGreaterThan(0);
    expect(s2.value("incident_bot_outbox_delivery_failures_total", { lane: "channel", kind: "incident.post", code: "transient" })).toBeGreaterThan(0);
    h.slack.down(false);
    h.clock.advance(60 * SEC);
    await h.deliver();
    const s3 = await scrape();
    expect(s3.value("incident_bot_outbox_pending_messages", { lane: "channel" })).toBe(0);
    expect(s3.value("incident_bot_outbox_oldest_due_age_seconds", { lane: "channel" })).toBe(0);

    // The second level falls due at +5 min; nothing takes it until the engine ticks.
    h.clock.set(new Date(pageStartedAt + 5 * MIN + 30 * SEC));
    const s4 = await scrape();
    expect(s4.value("incident_bot_escalation_due_steps")).toBe(1);
    expect(s4.value("incident_bot_escalation_due_step_lag_seconds")).toBe(30);
    await h.tick();
    const tickedAt = h.clock.now().getTime() / 1000;
    const s5 = await scrape();
    expect(s5.value("incident_bot_escalation_due_steps")).toBe(0);
    expect(s5.value("incident_bot_escalation_due_step_lag_seconds")).toBe(0);
    expect(s5.value("incident_bot_engine_last_completed_tick_timestamp_seconds")).toBe(tickedAt);
    expect(
      moved(s4, s5, [
        ["incident_bot_page_notifications_total"],
        ["incident_bot_escalation_step_delay_seconds_count"],
        ["incident_bot_escalation_step_delay_seconds_sum"],
        ["incident_bot_engine_tick_duration_seconds_count", { module: "escalation" }],
        ["incident_bot_engine_tick_duration_seconds_count", { module: "housekeeping" }],
      ]),
    ).toEqual({
      incident_bot_page_notifications_total: 1, // Carol
      incident_bot_escalation_step_delay_seconds_count: 1,
      incident_bot_escalation_step_delay_seconds_sum: 30,
      'incident_bot_engine_tick_duration_seconds_count{"module":"escalation"}': 1,
      'incident_bot_engine_tick_duration_seconds_count{"module":"housekeeping"}': 1,
    });

    // Alice acknowledges from her direct message, 5m30s after the page started.
    const page = await h.t.db.page.findFirstOrThrow({ where: { incidentId: incident.id } });
    expect(await h.click({ user: ALICE, channel: dmOf(ALICE), actionId: "page_acknowledge", value: String(page.id) })).toBe(200);
    await h.deliver();

    // Slack rate limits one message; it goes out after its Retry-After.
    h.slack.failNext("chat.postMessage", { status: 429, retryAfterSeconds: 5 });
    await h.command(`page <@${BOB}> can you check the database?`, { user: ERIN, channel });
    await h.deliver();
    h.clock.advance(5 * SEC);
    await h.deliver();
    const s6 = await scrape();
    expect(
      moved(s5, s6, [
        ["incident_bot_slack_calls_total", { method: "chat.postMessage", result: "ratelimited" }],
        ["incident_bot_slack_rate_limited_total", { method: "chat.postMessage" }],
      ]),
    ).toEqual({
      'incident_bot_slack_calls_total{"method":"chat.postMessage","result":"ratelimited"}': 1,
      'incident_bot_slack_rate_limited_total{"method":"chat.postMessage"}': 1,
    });
    expect(s6.value("incident_bot_outbox_pending_messages", { lane: "pages" }) + s6.value("incident_bot_outbox_pending_messages", { lane: "channel" })).toBe(0);

    // Bob acknowledges with the command, 20 s after his page started.
    h.clock.advance(15 * SEC);
    expect((await h.command("ack", { user: BOB, channel })).text).toContain(`acknowledged by <@${BOB}>`);

    // A page nobody answers: the quick policy is exhausted after a minute.
    await h.command("declare Batch jobs late sev2 service:batch", { user: ERIN });
    await h.deliver();
    h.clock.advance(MIN);
    await h.tick();

    // Bad input, then the end of the incident.
    await h.command("sev 9", { user: ERIN, channel });
    await h.command("resolve Rolled back", { user: ERIN, channel });
    await h.deliver();

    const end = await scrape();
    expect(
      moved(s0, end, [
        ["incident_bot_requests_total", { kind: "command", name: "declare", outcome: "ok" }],
        ["incident_bot_requests_total", { kind: "command", name: "page", outcome: "ok" }],
        ["incident_bot_requests_total", { kind: "command", name: "ack", outcome: "ok" }],
        ["incident_bot_requests_total", { kind: "command", name: "sev", outcome: "user_error" }],
        ["incident_bot_requests_total", { kind: "command", name: "resolve", outcome: "ok" }],
        ["incident_bot_requests_total", { kind: "action", name: "page_acknowledge", outcome: "ok" }],
        ["incident_bot_pages_started_total"],
        ["incident_bot_page_notifications_total"],
        ["incident_bot_pages_acknowledged_total"],
        ["incident_bot_pages_exhausted_total"],
        ["incident_bot_page_time_to_acknowledge_seconds_count"],
        ["incident_bot_page_time_to_acknowledge_seconds_sum"],
        ["incident_bot_page_time_to_acknowledge_seconds_bucket", { le: "300" }],
        ["incident_bot_page_time_to_acknowledge_seconds_bucket", { le: "600" }],
        ["incident_bot_outbox_deliveries_total", { lane: "pages", kind: "page.notify", outcome: "sent" }],
      ]),
    ).toEqual({
      'incident_bot_requests_total{"kind":"command","name":"declare","outcome":"ok"}': 2,
      'incident_bot_requests_total{"kind":"command","name":"page","outcome":"ok"}': 1,
      'incident_bot_requests_total{"kind":"command","name":"ack","outcome":"ok"}': 1,
      'incident_bot_requests_total{"kind":"command","name":"sev","outcome":"user_error"}': 1,
      'incident_bot_requests_total{"kind":"command","name":"resolve","outcome":"ok"}': 1,
      'incident_bot_requests_total{"kind":"action","name":"page_acknowledge","outcome":"ok"}': 1,
      incident_bot_pages_started_total: 3, // Checkout, Bob, Batch
      incident_bot_page_notifications_total: 4, // Alice, Carol, Bob, Dave
      incident_bot_pages_acknowledged_total: 2,
      incident_bot_pages_exhausted_total: 1,
      incident_bot_page_time_to_acknowledge_seconds_count: 2,
      incident_bot_page_time_to_acknowledge_seconds_sum: 330 + 20,
      'incident_bot_page_time_to_acknowledge_seconds_bucket{"le":"300"}': 1, // Bob's 20 s
      'incident_bot_page_time_to_acknowledge_seconds_bucket{"le":"600"}': 2, // and Alice's 5m30s
      'incident_bot_outbox_deliveries_total{"lane":"pages","kind":"page.notify","outcome":"sent"}': 4,
    });
    expect(end.value("incident_bot_open_incidents", { severity: "SEV1" })).toBe(s0.value("incident_bot_open_incidents", { severity: "SEV1" }));
    expect(end.value("incident_bot_open_incidents", { severity: "SEV2" }) - s0.value("incident_bot_open_incidents", { severity: "SEV2" })).toBe(1);
    expect(end.sum("incident_bot_requests_total", { outcome: "error" })).toBe(0);
    expect(end.value("incident_bot_scrape_errors_total", { source: "database" })).toBe(0);
  });

  it("shows the auth circuit open while Slack refuses the token, and closed again after", async () => {
    const before = await scrape();
    h.slack.refuseToken("token_revoked");
    await h.command("declare Token trouble sev4", { user: ERIN });
    await h.deliver();
    const open = await scrape();
    expect(open.value("incident_bot_slack_auth_circuit_open")).toBe(1);
    expect(open.value("incident_bot_slack_calls_total", { method: "conversations.create", result: "token_revoked" }) - before.value("incident_bot_slack_calls_total", { method: "conversations.create", result: "token_revoked" })).toBe(1);
    expect(open.value("incident_bot_outbox_deliveries_total", { lane: "channel", kind: "incident.create_channel", outcome: "paused" }) - before.value("incident_bot_outbox_deliveries_total", { lane: "channel", kind: "incident.create_channel", outcome: "paused" })).toBe(1);
    expect(open.value("incident_bot_outbox_pending_messages", { lane: "channel" })).toBeGreaterThan(0);
    h.slack.refuseToken(null);
    await h.deliver(); // probes Slack first, which closes the circuit, then delivers
    const closed = await scrape();
    expect(closed.value("incident_bot_slack_auth_circuit_open")).toBe(0);
    expect(closed.value("incident_bot_outbox_pending_messages", { lane: "channel" })).toBe(0);
  });

  it("with METRICS_TOKEN set needs the bearer token; /healthz and /readyz do not; without it /metrics is open", async () => {
    const bare = await fetch(`${base}/metrics`);
    expect(bare.status).toBe(401);
    expect(bare.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect(await bare.text()).not.toContain("incident_bot_");
    for (const authorization of [`Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`, `Basic ${Buffer.from(`x:${TOKEN}`).toString("base64")}`, TOKEN]) {
      expect((await fetch(`${base}/metrics`, { headers: { authorization } })).status).toBe(401);
    }
    expect((await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect([200, 503]).toContain((await fetch(`${base}/readyz`)).status);

    // A second app in this process (its own registry: nothing is registered twice), no token.
    const { slack, apiUrl } = await startStandIn(h.clock);
    const other = await startBot({ db: h.t.db, clock: h.clock, apiUrl, announce: null });
    try {
      const res = await fetch(other.url.replace("/slack/events", "/metrics"));
      expect(res.status).toBe(200);
      const s = parseMetrics(await res.text());
      expect(s.value("incident_bot_requests_total", { kind: "command", name: "declare", outcome: "ok" })).toBe(0); // its own counts
      expect(s.value("incident_bot_scrape_database_ok")).toBe(1);
      expect(s.has("process_resident_memory_bytes")).toBe(true);
    } finally {
      await other.bot.stop();
      await slack.stop();
    }
  });
});

/** The metric names a PromQL expression uses (not functions, keywords, labels, strings or durations). */
function metricNamesIn(expr: string): string[] {
  const KEYWORDS = new Set(["by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "offset", "bool", "inf", "nan"]);
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""') // strings
    .replace(/\{[^}]*\}/g, " ") // label matchers
    .replace(/\[[^\]]*\]/g, " ") // ranges and subqueries
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " "); // grouping labels
  const names: string[] = [];
  for (const m of stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const after = stripped.slice(m.index! + m[0].length).trimStart();
    if (after.startsWith("(") || KEYWORDS.has(m[0].toLowerCase())) continue; // a function or a keyword
    const before = stripped[m.index! - 1];
    if (before && /[0-9.]/.test(before)) continue; // the unit of a number like 2m
    names.push(m[0]);
  }
  return [...new Set(names)];
}

describe("examples/prometheus-alerts.yaml", () => {
  const file = path.resolve(__dirname, "../../examples/prometheus-alerts.yaml");
  const rules = parseYaml(readFileSync(file, "utf8")) as { groups: { name: string; rules: Record<string, unknown>[] }[] };

  it("is a Prometheus rule file: groups of alerts, each with an expression, a duration, a severity and a summary", () => {
    expect(rules.groups.length).toBeGreaterThan(0);
    const alerts = rules.groups.flatMap((g) => {
      expect(typeof g.name).toBe("string");
      return g.rules;
    });
    for (const r of alerts) {
      expect(Object.keys(r).every((k) => ["alert", "expr", "for", "keep_firing_for", "labels", "annotations"].includes(k)), JSON.stringify(r)).toBe(true);
      expect(r.alert).toMatch(/^[A-Za-z][A-Za-z0-9]*$/);
      expect(typeof r.expr).toBe("string");
      expect(r.for).toMatch(/^\d+[smh]$/);
      expect((r.labels as Record<string, string>).severity).toMatch(/^(page|ticket)$/);
      expect(typeof (r.annotations as Record<string, string>).summary).toBe("string");
    }
    expect(new Set(alerts.map((r) => r.alert)).size).toBe(alerts.length);
    const exprs = alerts.map((r) => String(r.expr)).join("\n");
    for (const needed of [
      "incident_bot_outbox_oldest_due_age_seconds",
      "incident_bot_escalation_due_step_lag_seconds",
      "incident_bot_slack_auth_circuit_open",
      "incident_bot_engine_last_completed_tick_timestamp_seconds",
    ]) {
      expect(exprs).toContain(needed);
    }
  });

  it("uses only metrics the running bot serves (the rules cannot rot)", async () => {
    const served = await scrape();
    const families = new Set([...served.types.keys(), ...served.names()]);
    const PROMETHEUS_OWN = new Set(["up"]);
    const used = rules.groups.flatMap((g) => g.rules.flatMap((r) => metricNamesIn(String(r.expr))));
    expect(used.length).toBeGreaterThan(4);
    expect(used.filter((n) => !PROMETHEUS_OWN.has(n) && !families.has(n))).toEqual([]);
    expect(metricNamesIn('sum by (lane) (rate(incident_bot_x_total{code!="a b"}[5m])) > 2 and on (instance) up == 0')).toEqual(["incident_bot_x_total", "up"]);
  });
});
