// Integrations in the rota file: valid ones as the README shows them, and each mistake reported
// with its path, like the rest of the file.
import { describe, expect, it } from "vitest";
import { parseRotaFile } from "../../../src/oncall/rota-file.ts";

const BASE = `schedules:
  primary:
    timezone: Europe/London
    layers:
      - { name: weekly, members: [U01AAAA], rotation: { every: 1w, start: "2026-01-05T09:00" } }
escalation_policies:
  platform:
    levels:
      - { notify: ["schedule:primary"], escalate_after: 5m }
services:
  checkout: { escalation_policy: platform }
`;

const withIntegrations = (yaml: string) => `${BASE}integrations:\n${yaml}`;

describe("integrations in the rota file", () => {
  it("parses every kind, declare_incident and a heartbeat's every and grace", () => {
    const r = parseRotaFile(
      withIntegrations(`  prometheus:
    kind: alertmanager
    service: checkout
    declare_incident:
      label: severity
      map: { critical: 1, error: SEV2 }
  grafana: { kind: grafana, service: checkout }
  deploys: { kind: generic, service: checkout }
  nightly-backup:
    kind: heartbeat
    service: checkout
    every: 1h
    grace: 10m
  daily-report: { kind: heartbeat, service: checkout, every: 1d }
`),
    );
    if (!r.ok) throw new Error(r.errors.join("\n"));
    expect(r.rota.integrations).toEqual([
      { name: "prometheus", kind: "alertmanager", service: "checkout", declareIncident: { label: "severity", map: { critical: 1, error: 2 } }, everySeconds: null, graceSeconds: null },
      { name: "grafana", kind: "grafana", service: "checkout", declareIncident: null, everySeconds: null, graceSeconds: null },
      { name: "deploys", kind: "generic", service: "checkout", declareIncident: null, everySeconds: null, graceSeconds: null },
      { name: "nightly-backup", kind: "heartbeat", service: "checkout", declareIncident: null, everySeconds: 3600, graceSeconds: 600 },
      { name: "daily-report", kind: "heartbeat", service: "checkout", declareIncident: null, everySeconds: 86_400, graceSeconds: 300 },
    ]);
  });

  const cases: Array<[string, string, string[]]> = [
    ["unknown kind", "  p: { kind: pagerduty, service: checkout }\n", ['integrations.p.kind: expected one of alertmanager, grafana, generic, heartbeat, not "pagerduty"']],
    ["missing kind and service", "  p: {}\n", ["integrations.p.kind: is required", "integrations.p.service: is required"]],
    ["undefined service", "  p: { kind: alertmanager, service: payments }\n", ['integrations.p.service: service "payments" is not defined (services: checkout)']],
    ["unknown key", "  p: { kind: alertmanager, service: checkout, url: x }\n", ['integrations.p: unknown key "url"']],
    ["severity out of range", "  p: { kind: alertmanager, service: checkout, declare_incident: { label: severity, map: { critical: 0, error: sev5 } } }\n", [
      "integrations.p.declare_incident.map.critical: expected a severity 1–4 (or SEV1–SEV4), not number 0",
      'integrations.p.declare_incident.map.error: expected a severity 1–4 (or SEV1–SEV4), not "sev5"',
    ]],
    ["declare_incident without a map", "  p: { kind: alertmanager, service: checkout, declare_incident: { label: severity } }\n", ["integrations.p.declare_incident.map: is required"]],
    ["heartbeat without every", "  h: { kind: heartbeat, service: checkout }\n", ["integrations.h.every: is required"]],
    ["heartbeat with a bad every", "  h: { kind: heartbeat, service: checkout, every: hourly, grace: soon }\n", ["integrations.h.every: expected a duration like 1h, 30m or 1d", "integrations.h.grace: expected a duration like 10m"]],
    ["every on an alertmanager", "  p: { kind: alertmanager, service: checkout, every: 1h }\n", ["integrations.p.every: only a heartbeat integration has every and grace"]],
    ["a heartbeat that declares", "  h: { kind: heartbeat, service: checkout, every: 1h, declare_incident: { label: a, map: { b: 1 } } }\n", ["integrations.h.declare_incident: a heartbeat does not declare incidents"]],
    ["bad name", "  'my integration': { kind: generic, service: checkout }\n", ['integrations.my integration: invalid integration name (use letters, digits, "-", "_" and ".")']],
  ];
  it.each(cases)("%s", (_name, yaml, errors) => {
    const r = parseRotaFile(withIntegrations(yaml));
    expect(r.ok ? [] : r.errors).toEqual(errors);
  });
});
