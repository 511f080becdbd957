// Inputs for benchmarks and tests: a long, realistic incident built deterministically (no clock, no
// randomness), so a benchmark script can time renderPostmortem on the same input every run.
import type { Severity, Status } from "../incidents/lifecycle.ts";
import type { PostmortemActionItem, PostmortemInput, PostmortemTimelineEvent } from "./draft/index.ts";

const PEOPLE = ["U01ALICE", "U02BOB", "U03CAROL", "U04DAVE", "U05ERIN", "U06FRANK", "U07GRACE", "U08HEIDI"];
const NAMES = ["Alice Adams", "Bob Brown", "Carol Chen", "Dave Diaz", "Erin Evans", "Frank Fischer", "Grace Gupta", "Heidi Horvath"];

const NOTES = [
  "Error rate on `checkout-api` is at 12% (p99 latency 4.2 s)",
  "Rolled back deploy #4812 on <#C0PAYMENTS|payments>; watching *errors*",
  "Database connections saturated: 500/500 in use; see <https://grafana.example.com/d/db?orgId=1&amp;from=now-1h|DB dashboard>",
  "Asked <@U04DAVE> to check the queue consumers — lag is 35k messages",
  "Cache hit ratio back to 94%, [still] watching | errors < 1%",
];

const ACTIONS: PostmortemActionItem["type"][] = ["mitigate", "prevent", "detect", "process"];

/**
 * An incident with exactly `events` timeline events (at least 1): declared, then a realistic mix of
 * notes, status updates, pages and acknowledgements, severity and status changes, handovers and action
 * items, ending resolved and closed. Events are 7 seconds apart.
 */
export function benchmarkInput(events: number): PostmortemInput {
  const count = Math.max(1, Math.floor(events));
  const start = Date.UTC(2026, 2, 1, 9, 58, 0);
  const at = (k: number) => new Date(start + k * 7_000);
  const timeline: PostmortemTimelineEvent[] = [];
  const actionItems: PostmortemActionItem[] = [];
  let severity: Severity = "SEV3";
  let status: Status = "investigating";
  let commander = PEOPLE[0];
  let comms: string | null = null;
  let scribe: string | null = null;
  let level = 1;

  timeline.push({
    id: 1n,
    actorId: PEOPLE[0],
    occurredAt: at(0),
    data: { kind: "declared", title: "Checkout failing for EU customers", severity, commanderId: commander, description: "Checkout returns 500s", service: "checkout" },
  });
  const closing = count >= 3 ? 2 : 0;
  for (let k = 1; k < count - closing; k++) {
    const actor = PEOPLE[k % PEOPLE.length];
    const pick = k % 40;
    let data: PostmortemTimelineEvent["data"];
    if (pick === 3) {
      data = { kind: "page_sent", userId: PEOPLE[(k + 3) % PEOPLE.length], level, policy: "payments-primary" };
    } else if (pick === 5) {
      data = { kind: "page_acknowledged", userId: PEOPLE[(k + 1) % PEOPLE.length] };
    } else if (pick === 7) {
      const to: Severity = severity === "SEV3" ? "SEV2" : severity === "SEV2" ? "SEV1" : "SEV2";
      data = { kind: "severity_changed", from: severity, to };
      severity = to;
    } else if (pick === 11) {
      const to: Status = status === "investigating" ? "identified" : status === "identified" ? "monitoring" : "investigating";
      data = { kind: "status_changed", from: status, to };
      status = to;
    } else if (pick === 13) {
      const to = PEOPLE[(k + 2) % PEOPLE.length] === commander ? PEOPLE[(k + 3) % PEOPLE.length] : PEOPLE[(k + 2) % PEOPLE.length];
      data = { kind: "commander_changed", from: commander, to };
      commander = to;
    } else if (pick === 17) {
      const role = k % 80 === 17 ? "comms" : "scribe";
      const to = PEOPLE[(k + 5) % PEOPLE.length];
      data = { kind: "role_assigned", role, from: role === "comms" ? comms : scribe, to };
      if (role === "comms") comms = to;
      else scribe = to;
    } else if (pick === 19) {
      data = { kind: "escalated", level: ++level };
    } else if (pick === 23) {
      const type = ACTIONS[k % ACTIONS.length];
      const text = `Follow-up ${k}: add an alert on checkout error rate > 5% for 5 min`;
      const ownerId = k % 3 === 0 ? null : PEOPLE[(k + 4) % PEOPLE.length];
      data = { kind: "action_item_added", text, ownerId, type };
      actionItems.push({ text, ownerId, type, createdAt: at(k) });
    } else if (pick % 4 === 0) {
      data = { kind: "status_update", text: `Update ${k}: ${NOTES[k % NOTES.length]}\nNext update in 30 minutes.` };
    } else {
      data = { kind: "note", text: `${NOTES[k % NOTES.length]} (entry ${k})` };
    }
    timeline.push({ id: BigInt(k + 1), actorId: actor, occurredAt: at(k), data });
  }
  if (closing) {
    timeline.push({ id: BigInt(count - 1), actorId: commander, occurredAt: at(count - 2), data: { kind: "status_changed", from: status, to: "resolved", text: "Rolled back the connection pool change" } });
    timeline.push({ id: BigInt(count), actorId: commander, occurredAt: at(count - 1), data: { kind: "status_changed", from: "resolved", to: "closed" } });
    status = "closed";
  }
  const users: Record<string, string> = {};
  PEOPLE.forEach((id, k) => (users[id] = NAMES[k]));
  const last = at(count - 1);
  return {
    incident: {
      number: 4242,
      title: "Checkout failing for EU customers",
      description: "Checkout returns 500s for a share of EU customers.\nStarted after the 09:50 deploy.",
      severity,
      status,
      commanderId: commander,
      commsLeadId: comms,
      scribeId: scribe,
      service: "checkout",
      channelId: "C0INC4242",
      channelName: "inc-4242-checkout-failing-for-eu-customers",
      resolution: closing ? "Rolled back the connection pool change" : null,
      declaredAt: at(0),
      resolvedAt: closing ? at(count - 2) : null,
      closedAt: closing ? last : null,
    },
    timeline,
    actionItems,
    relatedIncidents: [
      { number: 4100, title: "Checkout latency after pool resize", severity: "SEV3", declaredAt: new Date(Date.UTC(2026, 0, 12, 14, 0, 0)), url: "https://wiki.example.com/postmortems/INC-4100" },
      { number: 3977, title: "Payments DB connection storm", severity: "SEV2", declaredAt: new Date(Date.UTC(2025, 10, 3, 8, 30, 0)) },
    ],
    users,
    channelUrl: "https://example.slack.com/archives/C0INC4242",
    generatedAt: new Date(last.getTime() + 3_600_000),
  };
}
