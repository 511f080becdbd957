// Alerts in, end to end: real-shaped Alertmanager, Grafana and generic bodies POSTed over HTTP to
// the real bot, a rota with integrations applied to the database, a clock the test moves, the
// Slack stand-in counting every direct message.
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { storeTokenHash } from "../../src/alerts/store.ts";
import { newToken } from "../../src/alerts/tokens.ts";
import { ALICE, applyRotaText, BOB, CAROL, DAVE, startBot, startHarness, type Harness } from "../support/bot.ts";
import { policy, rotaFile, weeklySchedule } from "../fixtures/rotas.ts";

const EXAMPLES = path.resolve(import.meta.dirname, "../fixtures/alerts");
const example = (name: string): any => JSON.parse(readFileSync(path.join(EXAMPLES, name), "utf8"));

const ROTA =
  rotaFile({
    schedules: [weeklySchedule("primary", "Europe/London", [ALICE, BOB]), weeklySchedule("secondary", "Europe/London", [CAROL])],
    policies: [policy("platform", [[["schedule:primary"], "5m"], [["schedule:secondary"], "10m"]])],
    services: { checkout: "platform", storage: "platform" },
  }) +
  `integrations:
  prometheus:
    kind: alertmanager
    service: checkout
  prometheus-critical:
    kind: alertmanager
    service: checkout
    declare_incident: { label: severity, map: { critical: 1, error: 2 } }
  grafana:
    kind: grafana
    service: storage
  deploys:
    kind: generic
    service: checkout
  nightly-backup:
    kind: heartbeat
    service: storage
    every: 1h
    grace: 10m
`;

let h: Harness;
let base: string;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  h = await startHarness({ rota: ROTA });
  base = new URL(h.url).origin;
  for (const name of ["prometheus", "prometheus-critical", "grafana", "deploys", "nightly-backup"]) {
    const { token, hash } = newToken();
    await storeTokenHash(h.t.db, name, hash, new Date());
    tokens[name] = token;
  }
});
afterEach(() => h.slack.assertNoUnexpectedCalls());
afterAll(async () => h.stop());

const MIN = 60_000;

async function send(name: string, body: unknown, opts: { token?: string | null; basic?: boolean; raw?: string } = {}): Promise<{ status: number; json: any }> {
  const token = opts.token === undefined ? tokens[name] : opts.token;
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (token) headers.authorization = opts.basic ? `Basic ${Buffer.from(`alertmanager:${token}`).toString("base64")}` : `Bearer ${token}`;
  const res = await fetch(`${base}/integrations/${name}`, { method: "POST", headers, body: opts.raw ?? JSON.stringify(body) });
  const text = await res.text();
  await h.deliver();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

/** Direct messages each person received that carry `marker`, counted at the stand-in. */
function dmsWith(marker: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const call of h.slack.callsTo("chat.postMessage")) {
    const channel = String(call.args.channel);
    if (call.status === 200 && /^[UW]/.test(channel) && JSON.stringify([call.args.text, call.args.blocks ?? null]).includes(marker)) counts[channel] = (counts[channel] ?? 0) + 1;
  }
  return counts;
}

const countRows = async (table: "alert" | "page") => Number((await h.t.db.$queryRawUnsafe<{ n: bigint }[]>(`SELECT count(*) AS n FROM ${table}`))[0].n);
const dmOf = (user: string) => h.slack.channels().find((c) => c.isIm && c.members.includes(user))!.id;

/** A group of Alertmanager alerts, as its webhook sends them. */
function group(key: string, alerts: Array<{ fingerprint: string; status?: "firing" | "resolved"; summary?: string; severity?: string }>, over: Record<string, unknown> = {}) {
  const all = alerts.map((a) => ({
    status: a.status ?? "firing",
    labels: { alertname: key, severity: a.severity ?? "warning", instance: `${a.fingerprint}:9100` },
    annotations: { summary: a.summary ?? `${key} on ${a.fingerprint}`, runbook_url: `https://runbooks.example.com/${key}` },
    startsAt: "2026-03-01T09:58:00Z",
    endsAt: a.status === "resolved" ? "2026-03-01T10:20:00Z" : "0001-01-01T00:00:00Z",
    generatorURL: `http://prometheus.example.com:9090/graph?g0.expr=${key}`,
    fingerprint: a.fingerprint,
  }));
  return {
    receiver: "incident-bot",
    status: all.some((a) => a.status === "firing") ? "firing" : "resolved",
    alerts: all,
    groupLabels: { alertname: key },
    commonLabels: { alertname: key },
    commonAnnotations: {},
    externalURL: "http://alertmanager.example.com:9093",
    version: "4",
    groupKey: `{}:{alertname="${key}"}`,
    truncatedAlerts: 0,
    ...over,
  };
}

describe("POST /integrations/<name>: bad input writes nothing", () => {
  it("401 without a token, with a wrong one, or for an integration that has none; 404 for an unknown integration", async () => {
    const body = group("Unauthorized", [{ fingerprint: "u1" }]);
    expect((await send("prometheus", body, { token: null })).status).toBe(401);
    expect((await send("prometheus", body, { token: "ibt_wrong" })).status).toBe(401);
    expect((await send("prometheus", body, { token: tokens.grafana })).status).toBe(401); // another integration's token
    const unknown = await send("nope", body, { token: tokens.prometheus });
    expect(unknown.status).toBe(404);
    expect(unknown.json.message).toMatch(/no integration named "nope"/);
    expect(await countRows("alert")).toBe(0);
  });

  it("400 naming the problem for a body that is not JSON or not the integration's shape; 413 above 1 MB", async () => {
    const notJson = await send("prometheus", null, { raw: "{not json" });
    expect(notJson.status).toBe(400);
    expect(notJson.json.message).toMatch(/not JSON/);
    const wrongShape = await send("prometheus", { hello: "world" });
    expect(wrongShape.status).toBe(400);
    expect(wrongShape.json.message).toMatch(/Alertmanager's webhook body/);
    const generic = await send("deploys", { status: "firing", summary: "no key" });
    expect(generic.status).toBe(400);
    expect(generic.json.message).toMatch(/key is required/);
    const allBad = await send("prometheus", { alerts: [{ status: "firing" }, { status: "maybe", fingerprint: "x" }] });
    expect(allBad.status).toBe(400);
    expect(allBad.json.rejected.map((r: any) => r.problem)).toEqual(["alerts[0]: no fingerprint (the alert's identity)", 'alerts[1]: status must be "firing" or "resolved", not "maybe"']);
    const huge = await send("prometheus", null, { raw: JSON.stringify(group("Huge", [{ fingerprint: "h1", summary: "x".repeat(1024 * 1024) }])) });
    expect(huge.status).toBe(413);
    expect(await countRows("alert")).toBe(0);
    expect(await countRows("page")).toBe(0);
    expect(dmsWith("You are paged")).toEqual({});
  });
});

describe("an Alertmanager group", () => {
  it("pages once for the group, repeats change nothing, escalates like any page, and stops when the source resolves it", async () => {
    const firing = example("alertmanager-firing.json");
    const first = await send("prometheus", firing, { basic: true });
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ received: 2, opened: 2, repeated: 0, pagesStarted: [expect.any(Number)] });
    expect(dmsWith("Payments p99 latency")).toEqual({ [ALICE]: 1 });
    const dm = h.slack.callsTo("chat.postMessage").find((c) => c.args.channel === ALICE)!;
    const blocks = JSON.stringify(dm.args.blocks);
    for (const part of ["Acknowledge", "Escalate now", "Declare incident", "2 alerts firing", "alertname=PaymentsLatencyHigh", "severity=critical", "https://runbooks.example.org/payments/latency", "http://prometheus.example.org:9090/graph", "silences/new"]) {
      expect(blocks).toContain(part);
    }

    // Alertmanager's repeat_interval: the same group again, nothing new.
    const again = await send("prometheus", firing);
    expect(again.json).toMatchObject({ opened: 0, repeated: 2, pagesStarted: [] });
    expect(dmsWith("Payments p99 latency")).toEqual({ [ALICE]: 1 });

    h.clock.advance(5 * MIN);
    await h.tick();
    expect(dmsWith("Payments p99 latency")).toEqual({ [ALICE]: 1, [CAROL]: 1 });

    const resolved = await send("prometheus", example("alertmanager-resolved.json"));
    expect(resolved.json).toMatchObject({ resolved: 2, pagesResolved: first.json.pagesStarted });
    expect(dmsWith("Resolved by the source")).toEqual({ [ALICE]: 1, [CAROL]: 1 });
    h.clock.advance(60 * MIN);
    await h.tick();
    expect(dmsWith("You are paged: Payments p99 latency")).toEqual({ [ALICE]: 1, [CAROL]: 1 });
    const list = await h.command("alerts");
    expect(list.text).not.toContain("Payments p99 latency");
  });

  it("1,000 alerts in a group are one page; a body with some malformed alerts takes the good ones and names the bad", async () => {
    const storm = group("Storm", Array.from({ length: 1000 }, (_, i) => ({ fingerprint: `storm-${i}` })), { truncatedAlerts: 250 });
    storm.alerts.splice(10, 0, { status: "firing", labels: {}, annotations: {}, startsAt: "nonsense" } as never);
    const res = await send("prometheus", storm);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ received: 1000, opened: 1000, truncated: 250, pagesStarted: [expect.any(Number)] });
    expect(res.json.rejected).toEqual([{ index: 10, problem: "alerts[10]: no fingerprint (the alert's identity)" }]);
    expect(dmsWith("Storm on storm-")).toEqual({ [ALICE]: 1 });
    expect(JSON.stringify(h.slack.callsTo("chat.postMessage").find((c) => JSON.stringify(c.args.blocks ?? "").includes("Storm on"))!.args.blocks)).toContain("1000 alerts firing");
  });

  it("a new alert joining an acknowledged group tells the acknowledger again, and says so", async () => {
    const res = await send("prometheus", group("Joiner", [{ fingerprint: "j1" }]));
    const pageId = res.json.pagesStarted[0];
    expect(await h.click({ user: ALICE, channel: dmOf(ALICE), actionId: "page_acknowledge", value: String(pageId) })).toBe(200);
    await h.deliver();
    const again = await send("prometheus", group("Joiner", [{ fingerprint: "j1" }, { fingerprint: "j2", summary: "Joiner reached j2" }]));
    expect(again.json).toMatchObject({ opened: 1, repeated: 1, pagesStarted: [] });
    const told = h.slack.callsTo("chat.postMessage").filter((c) => c.args.channel === ALICE && String(c.args.text).includes("joined page"));
    expect(told.length).toBe(1);
    expect(told[0].args.text).toContain(`page #${pageId}`);
    expect(told[0].args.text).toContain("which you acknowledged");
    expect(told[0].args.text).toContain("Joiner reached j2");
    // the page stays acknowledged: nobody else is paged
    h.clock.advance(30 * MIN);
    await h.tick();
    expect(dmsWith("Joiner")[CAROL]).toBeUndefined();
  });

  it("a resolved that arrives before its firing is recorded; the late firing pages nobody", async () => {
    const before = await countRows("page");
    const early = await send("prometheus", group("OutOfOrder", [{ fingerprint: "o1", status: "resolved" }]));
    expect(early.json).toMatchObject({ resolved: 0, recorded: 1, pagesStarted: [] });
    const late = await send("prometheus", group("OutOfOrder", [{ fingerprint: "o1" }]));
    expect(late.json).toMatchObject({ opened: 0, stale: 1, pagesStarted: [] });
    expect(await countRows("page")).toBe(before);
    expect(dmsWith("OutOfOrder")).toEqual({});
  });

  it("two replicas receiving the same alert at once page once", async () => {
    const second = await startBot({ db: h.t.db, clock: h.clock, apiUrl: h.apiUrl, announce: h.announce, log: h.log });
    try {
      const otherBase = new URL(second.url).origin;
      const body = JSON.stringify(group("Twice", [{ fingerprint: "t1" }, { fingerprint: "t2" }]));
      const headers = { "content-type": "application/json", authorization: `Bearer ${tokens.prometheus}` };
      const answers = await Promise.all([base, otherBase, base, otherBase].map((b) => fetch(`${b}/integrations/prometheus`, { method: "POST", headers, body }).then((r) => r.json() as Promise<any>)));
      expect(answers.flatMap((a) => a.pagesStarted).length).toBe(1);
      expect(answers.reduce((n, a) => n + a.opened, 0)).toBe(2);
      await second.bot.settled();
      await h.deliver();
      expect(dmsWith("Twice on")).toEqual({ [ALICE]: 1 });
    } finally {
      await second.bot.stop();
    }
  });
});

describe("declare_incident", () => {
  it("a critical alert declares a SEV1 with the page attached; later alerts and resolutions land on its timeline; people resolve it", async () => {
    const res = await send("prometheus-critical", group("DbDown", [{ fingerprint: "d1", severity: "critical", summary: "Primary database is down" }]));
    expect(res.json.incidentsDeclared).toEqual([expect.stringMatching(/^INC-\d+$/)]);
    const number = Number(res.json.incidentsDeclared[0].slice(4));
    const incident = (await h.bot.incidents.byNumber(number))!;
    expect(incident).toMatchObject({ severity: "SEV1", title: "Primary database is down", service: "checkout", commanderId: ALICE, status: "investigating" });
    expect(incident.channelId).toBeTruthy();
    expect(dmsWith("Primary database is down")).toEqual({ [ALICE]: 1 });
    const page = (await h.t.db.page.findFirst({ where: { id: res.json.pagesStarted[0] } }))!;
    expect(page.incidentId).toBe(incident.id);

    await send("prometheus-critical", group("DbDown", [{ fingerprint: "d1", severity: "critical" }, { fingerprint: "d2", severity: "critical", summary: "Replica lag" }]));
    await send("prometheus-critical", group("DbDown", [{ fingerprint: "d1", severity: "critical", status: "resolved" }, { fingerprint: "d2", severity: "critical" }]));
    const kinds = (await h.bot.incidents.timeline(incident.id)).map((e) => e.data.kind);
    expect(kinds).toEqual(expect.arrayContaining(["declared", "page_started", "page_sent", "alerts_fired", "alerts_resolved"]));
    expect((await h.bot.incidents.byNumber(number))!.status).toBe("investigating"); // a resolved alert does not resolve the incident
    expect(h.slack.messages(incident.channelId!).some((m) => m.text.includes("Replica lag"))).toBe(true);

    await send("prometheus-critical", group("DbDown", [{ fingerprint: "d2", severity: "critical", status: "resolved" }]));
    const after = (await h.bot.incidents.timeline(incident.id)).map((e) => e.data.kind);
    expect(after).toContain("page_resolved");
    expect(h.slack.messages(incident.channelId!).some((m) => m.text.includes("resolved by the source"))).toBe(true);
  });

  it("an alert whose label maps to nothing pages without declaring", async () => {
    const res = await send("prometheus-critical", group("Minor", [{ fingerprint: "m1", severity: "info" }]));
    expect(res.json).toMatchObject({ opened: 1, incidentsDeclared: [], pagesStarted: [expect.any(Number)] });
  });
});

describe("other senders", () => {
  it("Grafana's contact point body pages the storage service, with its silence and dashboard links", async () => {
    const res = await send("grafana", example("grafana-firing.json"));
    expect(res.json).toMatchObject({ opened: 1, pagesStarted: [expect.any(Number)] });
    const dm = h.slack.callsTo("chat.postMessage").find((c) => JSON.stringify(c.args.blocks ?? "").includes("orders queue has 48,000"))!;
    const blocks = JSON.stringify(dm.args.blocks);
    expect(blocks).toContain("https://grafana.example.org/alerting/silence/new");
    expect(blocks).toContain("https://grafana.example.org/d/queues/queues");
  });

  it("generic alerts are identified by key: firing pages, resolved stops it", async () => {
    const fired = await send("deploys", example("generic-firing.json"));
    expect(fired.json).toMatchObject({ opened: 1, pagesStarted: [expect.any(Number)] });
    expect(dmsWith("Deploy of checkout-api failed")).toEqual({ [ALICE]: 1 });
    const resolved = await send("deploys", { ...example("generic-firing.json"), status: "resolved" });
    expect(resolved.json).toMatchObject({ resolved: 1, pagesResolved: fired.json.pagesStarted });
  });
});

describe("/incident alerts", () => {
  it("lists the open alerts with their page's state, and `alerts ack <id>` acknowledges like the button", async () => {
    const res = await send("prometheus", group("Listed", [{ fingerprint: "l1", summary: "Listed alert one" }]));
    const alert = (await h.t.db.alert.findFirst({ where: { identity: "l1" } }))!;
    const list = await h.command("alerts", { user: BOB });
    expect(list.text).toContain(`*${alert.id}* prometheus: Listed alert one`);
    expect(list.text).toMatch(new RegExp(`page #${res.json.pagesStarted[0]} escalating`));
    const refused = await h.command(`alerts ack ${alert.id}`, { user: DAVE });
    expect(refused.text).toMatch(/Only the people it paged/);
    const acked = await h.command(`alerts ack ${alert.id}`, { user: ALICE });
    expect(acked.text).toMatch(new RegExp(`Acknowledged page #${res.json.pagesStarted[0]}`));
    expect((await h.command("alerts")).text).toMatch(new RegExp(`page #${res.json.pagesStarted[0]} acknowledged by <@${ALICE}>`));
    expect((await h.command("alerts ack nope")).text).toMatch(/alerts ack <id>/);
  });
});

describe("heartbeats", () => {
  it("a heartbeat not pinged within every + grace pages once; the next ping resolves it", async () => {
    // Pages for a missing heartbeat (the page's message, not the "resolved" that quotes it).
    const paged = () => h.slack.callsTo("chat.postMessage").filter((c) => /^[UW]/.test(String(c.args.channel)) && String(c.args.text).startsWith(":rotating_light: You are paged: No heartbeat from nightly-backup")).length;
    const ping = await send("nightly-backup", null, { raw: "" }); // (resolves what earlier tests' clock moves left open)
    expect(ping.status).toBe(200);
    const before = paged();
    h.clock.advance(69 * MIN);
    await h.tick();
    expect(paged()).toBe(before);
    h.clock.advance(1 * MIN);
    await h.tick();
    expect(paged()).toBe(before + 1);
    expect(dmsWith("No heartbeat from nightly-backup since 2026-03-01")[ALICE]).toBeGreaterThan(0);
    await h.tick(); // still overdue: nothing more
    expect(paged()).toBe(before + 1);
    const resolvedBefore = dmsWith("Resolved by the source")[ALICE] ?? 0;
    const back = await send("nightly-backup", { anything: true });
    expect(back.json).toMatchObject({ ping: true, resolved: 1 });
    expect(dmsWith("Resolved by the source")[ALICE]).toBe(resolvedBefore + 1);
    h.clock.advance(30 * MIN);
    await h.tick();
    expect(paged()).toBe(before + 1);
  });
});

describe("Declare incident from an alerts' page", () => {
  it("opens the declare form from the alerts; submitting declares an incident that takes the page, without paging again", async () => {
    const res = await send("prometheus", group("Declarable", [{ fingerprint: "x1", summary: "Queue is backing up" }]));
    const pageId = res.json.pagesStarted[0];
    expect(await h.click({ user: ALICE, channel: dmOf(ALICE), actionId: "alert_declare" })).toBe(200);
    const view = h.slack.openViews().at(-1)!;
    expect(JSON.stringify(view.view)).toContain("Queue is backing up");
    const pagesBefore = await countRows("page");
    const submitted = await h.submitView(view.id, ALICE, { title: { value: "Queue is backing up" }, severity: { value: "SEV2" }, commander: { value: ALICE } });
    expect(submitted.status).toBe(200);
    expect(submitted.body).toBeNull();
    await h.deliver();
    expect(await countRows("page")).toBe(pagesBefore);
    const page = (await h.t.db.page.findFirst({ where: { id: pageId } }))!;
    expect(page.incidentId).not.toBeNull();
    const incident = (await h.bot.incidents.byId(page.incidentId!))!;
    expect(incident).toMatchObject({ title: "Queue is backing up", severity: "SEV2", service: "checkout" });
    expect((await h.bot.incidents.timeline(incident.id)).map((e) => e.data.kind)).toContain("page_started");
  });
});

describe("a rota applied while the bot runs", () => {
  it("changes an integration at once (the bot's remembered definitions are forgotten)", async () => {
    expect((await send("deploys", example("generic-firing.json"))).json).toMatchObject({ repeated: 0 });
    await applyRotaText(h.t.db, ROTA.replace("  deploys:\n    kind: generic\n    service: checkout\n", "  deploys:\n    kind: heartbeat\n    service: checkout\n    every: 1h\n"));
    const now = await send("deploys", example("generic-firing.json"));
    expect(now.json).toMatchObject({ ping: true });
  });
});
