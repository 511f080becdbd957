// Alerts in from a real Alertmanager: Debian's prometheus-alertmanager (ALERTMANAGER_PATH or
// /usr/bin/prometheus-alertmanager) runs with the bot as its webhook receiver, and alerts are
// posted to its API as Prometheus posts them. Alertmanager groups them, waits, and calls the bot
// with its own bodies, headers and retries; the Slack stand-in counts the direct messages.
// Alertmanager runs on real time: the test waits for it by polling the database and the stand-in
// (every 100 ms, up to a deadline), never by sleeping. The bot's clock is the harness' manual one.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { storeTokenHash } from "../../src/alerts/store.ts";
import { newToken } from "../../src/alerts/tokens.ts";
import { ALICE, BOB, CAROL, startHarness, type Harness } from "../support/bot.ts";
import { parseMetrics } from "../support/metrics.ts";
import { freePort } from "../support/process.ts";
import { policy, rotaFile, weeklySchedule } from "../fixtures/rotas.ts";

const ALERTMANAGER = process.env.ALERTMANAGER_PATH ?? "/usr/bin/prometheus-alertmanager";
const haveAlertmanager = existsSync(ALERTMANAGER);
const WHY = `${ALERTMANAGER} does not exist: install Debian's prometheus-alertmanager to run the Alertmanager tests (apt-get install prometheus-alertmanager), or set ALERTMANAGER_PATH`;

if (!haveAlertmanager && process.env.CI) {
  // CI must run them: a missing Alertmanager is a broken CI image, not a reason to skip.
  describe("a real Alertmanager", () => {
    it("needs prometheus-alertmanager", () => {
      throw new Error(WHY);
    });
  });
} else if (!haveAlertmanager) {
  console.warn(`Skipping the Alertmanager tests: ${WHY}.`);
}

const ROTA =
  rotaFile({
    schedules: [weeklySchedule("primary", "Europe/London", [ALICE, BOB]), weeklySchedule("secondary", "Europe/London", [CAROL])],
    policies: [policy("platform", [[["schedule:primary"], "5m"], [["schedule:secondary"], "10m"]])],
    services: { checkout: "platform" },
  }) +
  `integrations:
  prometheus:
    kind: alertmanager
    service: checkout
`;

const MIN = 60_000;
/** How long Alertmanager may take to get something to the bot (it waits group_wait, 1 s, first). */
const DEADLINE_MS = 20_000;

describe.skipIf(!haveAlertmanager)("a real Alertmanager sending to the bot", () => {
  let h: Harness;
  let dir: string;
  let alertmanager: ChildProcess | undefined;
  let amUrl: string;
  let amOutput = "";

  /** Polls `fn` every 100 ms until it returns something other than undefined; fails at the deadline or if Alertmanager exits. */
  async function poll<T>(what: string, fn: () => Promise<T | undefined>, ms = DEADLINE_MS): Promise<T> {
    const end = Date.now() + ms;
    let last: unknown;
    for (;;) {
      if (alertmanager?.exitCode !== null && alertmanager?.exitCode !== undefined) throw new Error(`Alertmanager exited (${alertmanager.exitCode}) while waiting for ${what}; its output:\n${amOutput}`);
      try {
        const v = await fn();
        if (v !== undefined) return v;
      } catch (err) {
        last = err;
      }
      if (Date.now() > end) throw new Error(`timed out after ${ms / 1000} s waiting for ${what}${last ? ` (last error: ${String(last)})` : ""}; Alertmanager's output:\n${amOutput}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  beforeAll(async () => {
    h = await startHarness({ rota: ROTA });
    const { token, hash } = newToken();
    await storeTokenHash(h.t.db, "prometheus", hash, new Date());

    dir = mkdtempSync(path.join(os.tmpdir(), "incident-bot-alertmanager-"));
    const config = path.join(dir, "alertmanager.yml");
    writeFileSync(
      config,
      stringify({
        route: { receiver: "incident-bot", group_by: ["alertname"], group_wait: "1s", group_interval: "1s", repeat_interval: "1h" },
        receivers: [
          {
            name: "incident-bot",
            webhook_configs: [
              {
                url: `${new URL(h.url).origin}/integrations/prometheus`,
                send_resolved: true,
                http_config: { authorization: { type: "Bearer", credentials: token } },
              },
            ],
          },
        ],
      }),
    );
    const port = await freePort();
    amUrl = `http://127.0.0.1:${port}`;
    alertmanager = spawn(
      ALERTMANAGER,
      [`--config.file=${config}`, `--storage.path=${path.join(dir, "data")}`, `--web.listen-address=127.0.0.1:${port}`, "--cluster.listen-address="],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    alertmanager.stdout!.on("data", (c) => (amOutput += c));
    alertmanager.stderr!.on("data", (c) => (amOutput += c));
    alertmanager.on("error", (err) => (amOutput += `\n${String(err)}\n`));
    await poll("Alertmanager's /-/ready", async () => ((await fetch(`${amUrl}/-/ready`)).ok ? true : undefined));
  });

  afterEach(() => h?.slack.assertNoUnexpectedCalls());

  afterAll(async () => {
    // Alertmanager first: nothing may call the bot while it stops.
    const child = alertmanager;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    }
    await h?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Alerts as Prometheus posts them to Alertmanager's API (firing: valid for a few evaluation intervals; resolved: ended). */
  interface PromAlert {
    labels: Record<string, string>;
    annotations: Record<string, string>;
    startsAt: string;
    endsAt?: string;
    generatorURL: string;
  }
  // Started now, as a rule without `for:` that just fired: Alertmanager holds a new group for
  // group_wait (an alert that started longer ago than that is sent at once, maybe alone).
  function rule(alertname: string, instances: string[], summary: (instance: string) => string): PromAlert[] {
    const startedAt = new Date().toISOString();
    return instances.map((instance) => ({
      labels: { alertname, severity: "critical", service: "checkout", instance, job: "checkout-api" },
      annotations: { summary: summary(instance), runbook_url: `https://runbooks.example.com/checkout/${alertname}` },
      startsAt: startedAt,
      endsAt: new Date(Date.now() + 4 * MIN).toISOString(),
      generatorURL: `http://prometheus.example.com:9090/graph?g0.expr=${encodeURIComponent(alertname)}`,
    }));
  }
  const resolvedNow = (alerts: PromAlert[]): PromAlert[] => alerts.map((a) => ({ ...a, endsAt: new Date(Date.now() - 1000).toISOString() }));

  async function postToAlertmanager(alerts: PromAlert[]): Promise<void> {
    const res = await fetch(`${amUrl}/api/v2/alerts`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(alerts) });
    expect(res.status, await res.text()).toBe(200);
  }

  // made when first posted; resolved later with the same labels and start
  let errors: PromAlert[] = [];
  let latency: PromAlert[] = [];

  /** The "You are paged" direct messages the stand-in received, by person. */
  function pagedDms(): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const call of h.slack.callsTo("chat.postMessage")) {
      const channel = String(call.args.channel);
      const text = String(call.args.text ?? "");
      if (call.status === 200 && /^[UW]/.test(channel) && text.startsWith(":rotating_light: You are paged: ")) (out[channel] ??= []).push(text);
    }
    return out;
  }
  const dmsWith = (marker: string) =>
    h.slack.callsTo("chat.postMessage").filter((c) => c.status === 200 && /^[UW]/.test(String(c.args.channel)) && String(c.args.text ?? "").includes(marker)).map((c) => String(c.args.channel));

  /** Pages and their alerts as the database has them, by Alertmanager's group key. */
  async function pagesByGroup(): Promise<Map<string, { pageIds: number[]; states: string[]; firing: number; resolved: number }>> {
    const rows = await h.t.db.$queryRawUnsafe<{ group_key: string; page_ids: number[] | null; states: string[] | null; firing: number; resolved: number }[]>(
      `SELECT g.group_key,
              (SELECT array_agg(p.id ORDER BY p.id) FROM page p WHERE p.alert_group_id = g.id) AS page_ids,
              (SELECT array_agg(p.state ORDER BY p.id) FROM page p WHERE p.alert_group_id = g.id) AS states,
              (SELECT count(*)::int FROM alert a WHERE a.group_id = g.id AND a.status = 'firing') AS firing,
              (SELECT count(*)::int FROM alert a WHERE a.group_id = g.id AND a.status = 'resolved') AS resolved
         FROM alert_group g WHERE g.integration = 'prometheus'`,
    );
    return new Map(rows.map((r) => [r.group_key, { pageIds: r.page_ids ?? [], states: r.states ?? [], firing: r.firing, resolved: r.resolved }]));
  }
  const groupOf = async (alertname: string) => [...(await pagesByGroup()).entries()].find(([key]) => key.includes(`alertname="${alertname}"`))?.[1];

  /** Alertmanager's own count of webhook notifications, and of those that failed (the bot did not answer 2xx). */
  async function webhookNotifications(): Promise<{ sent: number; failed: number }> {
    const scrape = parseMetrics(await (await fetch(`${amUrl}/metrics`)).text());
    return { sent: scrape.sum("alertmanager_notifications_total", { integration: "webhook" }), failed: scrape.sum("alertmanager_notifications_failed_total", { integration: "webhook" }) };
  }

  it("alerts of one alertname are one page to the person on call; another alertname is a second page", async () => {
    errors = rule("CheckoutHighErrorRate", ["checkout-1:9100", "checkout-2:9100", "checkout-3:9100"], (i) => `Checkout 5xx ratio above 5% on ${i}`);
    await postToAlertmanager(errors);
    // posted together, within group_wait: Alertmanager sends the three in one notification
    const first = await poll("the first group's page and its direct message", async () => {
      await h.deliver();
      const group = await groupOf("CheckoutHighErrorRate");
      return group && group.firing === 3 && group.pageIds.length > 0 && pagedDms()[ALICE]?.length ? group : undefined;
    });
    expect(first).toMatchObject({ pageIds: [expect.any(Number)], states: ["escalating"], firing: 3 });
    expect(Object.fromEntries(Object.entries(pagedDms()).map(([who, texts]) => [who, texts.length]))).toEqual({ [ALICE]: 1 });
    expect(pagedDms()[ALICE][0]).toMatch(/^:rotating_light: You are paged: Checkout 5xx ratio above 5% on checkout-\d:9100/);
    const dm = h.slack.callsTo("chat.postMessage").find((c) => c.args.channel === ALICE)!;
    expect(JSON.stringify(dm.args.blocks)).toContain("3 alerts firing");
    // Alertmanager's link back to itself, made from the externalURL it sent
    expect(JSON.stringify(dm.args.blocks)).toContain("silences/new");

    latency = rule("CheckoutLatencyHigh", ["checkout-1:9100", "checkout-2:9100"], (i) => `Checkout p99 latency above 2s on ${i}`);
    await postToAlertmanager(latency);
    const second = await poll("the second group's page", async () => {
      await h.deliver();
      const group = await groupOf("CheckoutLatencyHigh");
      return group && group.firing === 2 && group.pageIds.length > 0 && pagedDms()[ALICE]?.length === 2 ? group : undefined;
    });
    expect(second).toMatchObject({ pageIds: [expect.any(Number)], states: ["escalating"], firing: 2 });
    expect(second.pageIds[0]).not.toBe(first.pageIds[0]);
    expect((await groupOf("CheckoutHighErrorRate"))!.pageIds).toEqual(first.pageIds);
    expect(Number((await h.t.db.$queryRawUnsafe<{ n: bigint }[]>("SELECT count(*) AS n FROM page"))[0].n)).toBe(2);
    expect(Object.fromEntries(Object.entries(pagedDms()).map(([who, texts]) => [who, texts.length]))).toEqual({ [ALICE]: 2 });
    expect(pagedDms()[ALICE][1]).toMatch(/^:rotating_light: You are paged: Checkout p99 latency above 2s on checkout-\d:9100/);

    // The bot answered every notification with a 2xx: Alertmanager counts no failure (and retries nothing).
    const notified = await poll("Alertmanager to count its two notifications", async () => {
      const n = await webhookNotifications();
      return n.sent >= 2 ? n : undefined;
    });
    expect(notified.failed).toBe(0);
  });

  it("alerts resolved at the source stop their pages, everybody paged is told, and nobody else is paged", async () => {
    await postToAlertmanager(resolvedNow([...errors, ...latency]));
    const groups = await poll("both pages resolved by Alertmanager's resolved notifications", async () => {
      const all = await pagesByGroup();
      return [...all.values()].every((g) => g.states.length === 1 && g.states[0] === "resolved") && all.size === 2 ? all : undefined;
    });
    for (const g of groups.values()) expect(g).toMatchObject({ firing: 0, states: ["resolved"] });
    expect([...groups.values()].map((g) => g.resolved).sort()).toEqual([2, 3]);

    await h.deliver();
    expect(dmsWith("Resolved by the source")).toEqual([ALICE, ALICE]);

    // Past the first level's 5 minutes (and the second's 10): the escalation does not go on.
    h.clock.advance(6 * MIN);
    await h.tick();
    h.clock.advance(11 * MIN);
    await h.tick();
    expect(Object.fromEntries(Object.entries(pagedDms()).map(([who, texts]) => [who, texts.length]))).toEqual({ [ALICE]: 2 });
    // nobody but the person on call at level 1 ever got a direct message
    expect(new Set(h.slack.callsTo("chat.postMessage").map((c) => String(c.args.channel)).filter((c) => /^[UW]/.test(c)))).toEqual(new Set([ALICE]));
    for (const g of (await pagesByGroup()).values()) expect(g.states).toEqual(["resolved"]);
    expect((await webhookNotifications()).failed).toBe(0);
  });
});
