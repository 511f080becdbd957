// Reading what monitoring sends: the real-shaped examples, generic alerts, bodies with some bad
// alerts, and the tokens that authenticate them.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { declaredSeverity, labelsThatMatter, parseAlertBody } from "../../../src/alerts/payloads.ts";
import { hashToken, newToken, presentedToken, tokenMatches } from "../../../src/alerts/tokens.ts";

const FIXTURES = path.resolve(import.meta.dirname, "../../fixtures/alerts");
const fixture = (name: string): unknown => JSON.parse(readFileSync(path.join(FIXTURES, name), "utf8"));
// The shared real-shaped examples, next to the repository when they are there.
const SHARED = path.resolve(import.meta.dirname, "../../../../shared/alerts");
const hasShared = existsSync(path.join(SHARED, "alertmanager-firing.json"));
const NOW = new Date("2026-03-08T07:00:00Z");

describe("parseAlertBody", () => {
  it("reads Alertmanager's webhook: identity by fingerprint, summary, links, not-set endsAt", () => {
    const r = parseAlertBody("alertmanager", fixture("alertmanager-firing.json"), NOW);
    if (!r.ok) throw new Error(r.problem);
    expect(r.batch.groupKey).toBe('{}/{service="payments"}:{alertname="PaymentsLatencyHigh"}');
    expect(r.batch.alerts.map((a) => a.identity)).toEqual(["a1b2c3d4e5f60718", "0f1e2d3c4b5a6978"]);
    const [a] = r.batch.alerts;
    expect(a).toMatchObject({ status: "firing", summary: "Payments p99 latency above 1.5 s", severity: "critical", endsAt: null, startsAt: new Date("2026-05-12T21:14:05.310Z") });
    expect(a.links.map((l) => l.title)).toEqual(["Source", "Runbook", "Silence"]);
    expect(a.links[2].url).toMatch(/^http:\/\/alertmanager\.example\.org:9093\/#\/silences\/new\?filter=/);
    expect(decodeURIComponent(a.links[2].url.split("filter=")[1])).toContain('region="ap-south-1"');
  });

  it("reads Grafana's contact point body with its per-alert silence, dashboard and panel links", () => {
    const r = parseAlertBody("grafana", fixture("grafana-firing.json"), NOW);
    if (!r.ok) throw new Error(r.problem);
    expect(r.batch.alerts[0].links.map((l) => l.title)).toEqual(["Source", "Dashboard", "Panel", "Silence"]);
    expect(r.batch.alerts[0].summary).toBe("orders queue has 48,000 messages waiting");
  });

  it("reads resolved alerts with their end", () => {
    const r = parseAlertBody("alertmanager", fixture("alertmanager-resolved.json"), NOW);
    if (!r.ok) throw new Error(r.problem);
    expect(r.batch.alerts.every((a) => a.status === "resolved" && a.endsAt instanceof Date)).toBe(true);
  });

  it.skipIf(!hasShared)("reads the shared real-shaped examples: every alert, none rejected", () => {
    for (const [kind, name] of [["alertmanager", "alertmanager-firing.json"], ["alertmanager", "alertmanager-resolved.json"], ["grafana", "grafana-firing.json"]] as const) {
      const r = parseAlertBody(kind, JSON.parse(readFileSync(path.join(SHARED, name), "utf8")), NOW);
      if (!r.ok) throw new Error(`${name}: ${r.problem}`);
      expect(r.batch.rejected).toEqual([]);
      expect(r.batch.alerts.length).toBeGreaterThan(0);
      expect(r.batch.groupKey).toBeTruthy();
    }
  });

  it("keeps the good alerts of a body and names the bad ones by place; truncatedAlerts is reported", () => {
    const body = { alerts: [{ status: "firing", fingerprint: "a" }, { status: "firing" }, { status: "firing", fingerprint: "c", labels: "x" }, { status: "firing", fingerprint: "d", startsAt: "later" }], truncatedAlerts: 7 };
    const r = parseAlertBody("alertmanager", body, NOW);
    if (!r.ok) throw new Error(r.problem);
    expect(r.batch.alerts.map((a) => a.identity)).toEqual(["a"]);
    expect(r.batch.alerts[0].summary).toBe("a"); // nothing better to say than its fingerprint
    expect(r.batch.rejected).toEqual([
      { index: 1, problem: "no fingerprint (the alert's identity)" },
      { index: 2, problem: "labels must be an object of strings" },
      { index: 3, problem: "startsAt is not a time" },
    ]);
    expect(r.batch.truncated).toBe(7);
  });

  it("refuses a body that is not the integration's shape", () => {
    expect(parseAlertBody("alertmanager", [1, 2], NOW)).toEqual({ ok: false, problem: "expected Alertmanager's webhook body (an object with alerts[])" });
    expect(parseAlertBody("grafana", { alerts: {} }, NOW).ok).toBe(false);
    expect(parseAlertBody("generic", "firing", NOW).ok).toBe(false);
    expect(parseAlertBody("generic", { key: "k", status: "up", summary: "s" }, NOW)).toEqual({ ok: false, problem: 'status must be "firing" or "resolved", not "up"' });
  });

  it("reads generic alerts (one, or a list), identified by key, their severity a label", () => {
    const r = parseAlertBody("generic", [{ key: "k1", status: "firing", summary: "Disk full", severity: "critical", details: { host: "db-1", used: 97 }, links: ["https://x.example.com/a", { title: "Runbook", url: "https://r.example.com" }, "javascript:alert(1)"] }, { key: "", status: "firing", summary: "no key" }], NOW);
    if (!r.ok) throw new Error(r.problem);
    expect(r.batch.alerts).toEqual([
      {
        identity: "k1",
        status: "firing",
        summary: "Disk full",
        severity: "critical",
        labels: { severity: "critical" },
        annotations: { host: "db-1", used: "97" },
        links: [
          { title: "Link 1", url: "https://x.example.com/a" },
          { title: "Runbook", url: "https://r.example.com/" },
        ],
        startsAt: NOW,
        endsAt: null,
      },
    ]);
    expect(r.batch.rejected).toEqual([{ index: 1, problem: "key is required (the alert's identity)" }]);
  });
});

describe("what a page shows and declares", () => {
  it("shows the labels that matter first, not Grafana's bookkeeping", () => {
    expect(labelsThatMatter({ zone: "a", __grafana_receiver__: "x", instance: "db-3", alertname: "Disk", grafana_folder: "S", severity: "warning" })).toEqual([
      ["alertname", "Disk"],
      ["severity", "warning"],
      ["instance", "db-3"],
      ["zone", "a"],
    ]);
  });

  it("declares the most severe mapped severity of the firing alerts, or nothing", () => {
    const rule = { label: "severity", map: { critical: 1, error: 2 } };
    const alert = (severity: string, status: "firing" | "resolved" = "firing") => ({ identity: severity, status, summary: "", severity, labels: { severity }, annotations: {}, links: [], startsAt: NOW, endsAt: null });
    expect(declaredSeverity(rule, [alert("error"), alert("critical")])).toBe(1);
    expect(declaredSeverity(rule, [alert("warning"), alert("critical", "resolved")])).toBeNull();
    expect(declaredSeverity(null, [alert("critical")])).toBeNull();
  });
});

describe("integration tokens", () => {
  it("are random, stored as a hash, and read from a bearer header or basic auth's password", () => {
    const a = newToken();
    const b = newToken();
    expect(a.token).not.toBe(b.token);
    expect(a.hash).toBe(hashToken(a.token));
    expect(a.hash).not.toContain(a.token);
    expect(presentedToken(`Bearer ${a.token}`)).toBe(a.token);
    expect(presentedToken(`Basic ${Buffer.from(`alertmanager:${a.token}`).toString("base64")}`)).toBe(a.token);
    expect(presentedToken("Basic " + Buffer.from("user-only").toString("base64"))).toBeNull();
    expect(presentedToken(undefined)).toBeNull();
    expect(tokenMatches(a.hash, a.token)).toBe(true);
    expect(tokenMatches(a.hash, b.token)).toBe(false);
    expect(tokenMatches(null, a.token)).toBe(false);
    expect(tokenMatches(a.hash, null)).toBe(false);
  });
});
