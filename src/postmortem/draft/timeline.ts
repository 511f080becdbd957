// The timeline (one readable sentence per event) and the responders: roles, handovers and what each
// person involved did.
import { ROLE_NAMES } from "../../incidents/lifecycle.ts";
import { inlineText, who, type UserNames } from "../markdown.ts";
import { severityRank, str, type Analysis } from "./analyze.ts";
import { formatUtc, prompt } from "./format.ts";
import type { PostmortemInput, PostmortemTimelineEvent } from "./types.ts";

const STATUS_WORDS: Record<string, string> = {
  investigating: "investigating",
  identified: "identified (cause found)",
  monitoring: "monitoring (mitigated)",
  resolved: "resolved",
  closed: "closed",
};

/** One readable sentence for a timeline event. */
export function describeTimelineEvent(e: PostmortemTimelineEvent, users?: UserNames): string {
  const d = e.data;
  const actor = who(e.actorId, users);
  const person = (v: unknown) => who(str(v), users);
  const text = (v: unknown) => inlineText(str(v), users);
  const level = (v: unknown) => (str(v) !== null ? ` ${text(v)}` : "");
  switch (d.kind) {
    case "declared": {
      const service = str(d.service) ? ` for service ${text(d.service)}` : "";
      return `${actor} declared the incident as ${text(d.severity)}: “${text(d.title)}”${service}, with ${person(d.commanderId)} as incident commander`;
    }
    case "severity_changed": {
      const from = str(d.from) ?? "";
      const to = str(d.to) ?? "";
      const verb = severityRank(to) < severityRank(from) ? "raised" : severityRank(to) > severityRank(from) ? "lowered" : "changed";
      return `${actor} ${verb} the severity from ${text(from)} to ${text(to)}`;
    }
    case "status_changed": {
      const from = str(d.from);
      const to = str(d.to) ?? "";
      const note = str(d.text) ? `: ${text(d.text)}` : "";
      if (to === "resolved") return `${actor} resolved the incident${note}`;
      if (to === "closed") return `${actor} closed the incident${note}`;
      if (from === "resolved") return `${actor} reopened the incident (now ${text(STATUS_WORDS[to] ?? to)})${note}`;
      return `${actor} changed the status from ${text(from)} to ${text(Object.hasOwn(STATUS_WORDS, to) ? STATUS_WORDS[to] : to)}${note}`;
    }
    case "commander_changed":
      return `${actor} handed incident command from ${person(d.from)} to ${person(d.to)}`;
    case "role_assigned": {
      const role = str(d.role) ?? "";
      const name = Object.hasOwn(ROLE_NAMES, role) ? ROLE_NAMES[role as keyof typeof ROLE_NAMES] : text(role);
      return `${actor} made ${person(d.to)} the ${name}${str(d.from) ? ` (previously ${person(d.from)})` : ""}`;
    }
    case "status_update":
      return `${actor} posted a status update: ${text(d.text)}`;
    case "note":
      return `${actor} added a note: ${text(d.text)}`;
    case "page_sent":
      return `${actor} paged ${person(d.userId)} (escalation level${level(d.level)}${d.round > 0 ? `, repeat ${d.round}` : ""})`;
    case "page_acknowledged":
      return `${person(d.userId ?? e.actorId)} acknowledged the page`;
    case "escalated":
      return d.manual === true ? `${actor} escalated the page by hand to level${level(d.level)}` : `Nobody acknowledged in time: escalated to level${level(d.level)}`;
    case "page_started": {
      const message = str(d.message) ? `: ${text(d.message)}` : "";
      return `${actor} started paging ${text(d.target)} (escalation policy ${text(d.policy)})${message}`;
    }
    case "page_cancelled":
      return `Paging stopped: ${text(d.reason)}`;
    case "page_resolved":
      return `Paging stopped: the alerts from ${text(d.integration)} were resolved by their source`;
    case "alerts_fired":
    case "alerts_resolved": {
      const summaries = Array.isArray(d.summaries) ? d.summaries.map((x) => text(x)).join("; ") : "";
      return `${d.count} alert${d.count === 1 ? "" : "s"} from ${text(d.integration)} ${d.kind === "alerts_fired" ? "fired" : "resolved"}${summaries ? `: ${summaries}` : ""}`;
    }
    case "postmortem_exported":
      if (d.outcome === "kept-edits" && d.regenerated) {
        return `${actor} regenerated the postmortem draft to ${text(d.regenerated.location)}, keeping the edits people made to ${text(d.location)}`;
      }
      return `${actor} exported the postmortem draft to ${text(d.location)}`;
    case "nobody_on_call":
      return `Nobody was on call at escalation level${level(d.level)}`;
    case "policy_exhausted":
      return `The escalation policy was exhausted: every level was paged and nobody acknowledged`;
    case "action_item_added": {
      const owner = str(d.ownerId) ? `, owned by ${person(d.ownerId)}` : ", no owner yet";
      const due = str(d.dueOn) ? `, due ${text(d.dueOn)}` : "";
      return `${actor} added a ${text(d.type) || "new"} action item${owner}${due}: ${text(d.text)}`;
    }
    case "action_item_done":
      return `${actor} marked an action item done: ${text(d.text)}`;
    case "postmortem_reviewed":
      return `${actor} marked the postmortem reviewed`;
    case "impact_changed":
      return `${actor} said the impact ${d.edge === "start" ? "started" : "ended"} at ${formatUtc(new Date(d.at))}`;
    default: {
      // Every kind of the union is said above (this does not compile when one is missing); a
      // kind this version does not know (written by a newer one) is still shown.
      const unknown: never = d;
      return `${actor} recorded a “${text((unknown as { kind?: string }).kind) || "unknown"}” event`;
    }
  }
}

export function timelineSection(input: PostmortemInput, users: UserNames | undefined): string {
  if (input.timeline.length === 0) return "No events were recorded.";
  const out = new Array<string>(input.timeline.length);
  for (let k = 0; k < input.timeline.length; k++) {
    const e = input.timeline[k];
    out[k] = `- ${formatUtc(e.occurredAt)} — ${describeTimelineEvent(e, users)}`;
  }
  return out.join("\n");
}

export function respondersSection(input: PostmortemInput, a: Analysis, users: UserNames | undefined): string {
  const i = input.incident;
  const out: string[] = [];
  out.push(`- **Incident commander:** ${who(i.commanderId, users)}`);
  out.push(`- **Communications lead:** ${who(i.commsLeadId, users)}`);
  out.push(`- **Scribe:** ${who(i.scribeId, users)}`);
  out.push("");
  out.push("**Handovers**");
  out.push("");
  if (a.handovers.length === 0) {
    out.push(`No handovers: ${who(a.initialCommander, users)} was incident commander throughout.`);
  } else {
    out.push(`- ${formatUtc(a.declaredAt)} — ${who(a.initialCommander, users)} became incident commander when the incident was declared`);
    for (const h of a.handovers) {
      const from = h.from ? `from ${who(h.from, users)} ` : "";
      out.push(`- ${formatUtc(h.at)} — ${h.role}: ${from}to ${who(h.to, users)} (by ${who(h.actorId, users)})`);
    }
  }
  out.push("");
  out.push("**Everyone involved**");
  out.push("");
  // First appearance order; what each person did.
  const people = new Map<string, { roles: Set<string>; paged: number; acked: number; entries: number }>();
  const get = (id: string | null) => {
    if (!id) return null;
    let p = people.get(id);
    if (!p) people.set(id, (p = { roles: new Set(), paged: 0, acked: 0, entries: 0 }));
    return p;
  };
  get(a.initialCommander)?.roles.add("incident commander");
  for (const e of input.timeline) {
    const d = e.data;
    if (d.kind === "page_sent") {
      const p = get(str(d.userId));
      if (p) p.paged++;
    } else if (d.kind === "page_acknowledged") {
      const p = get(str(d.userId) ?? e.actorId);
      if (p) p.acked++;
      continue;
    }
    get(e.actorId)!.entries++;
  }
  for (const h of a.handovers) get(h.to)?.roles.add(h.role);
  for (const [id, p] of people) {
    const what: string[] = [...p.roles];
    if (p.paged) what.push(p.paged === 1 ? "paged" : `paged ${p.paged} times`);
    if (p.acked) what.push("acknowledged a page");
    if (p.entries) what.push(p.entries === 1 ? "1 timeline entry" : `${p.entries} timeline entries`);
    out.push(`- ${who(id, users)} — ${what.join(", ") || "involved"}`);
  }
  out.push("");
  out.push(prompt("Who else helped (other teams, vendors, support)? Was anyone missing who should have been paged?"));
  return out.join("\n");
}
