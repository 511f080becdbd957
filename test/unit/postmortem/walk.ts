// A realistic incident for the renderer tests: every time and expected duration is written out here.
import type { PostmortemInput, PostmortemTimelineEvent } from "../../../src/postmortem/draft/index.ts";

export const T = (hhmmss: string, day = "2026-03-01"): Date => new Date(`${day}T${hhmmss}Z`);

export const USERS: Record<string, string> = {
  U1ALICE: "Alice",
  U2BOB: "Bob",
  U3CAROL: "Carol",
  U4DAVE: "Dave",
};

let nextId = 1;
const ev = (at: Date, actorId: string, data: PostmortemTimelineEvent["data"]): PostmortemTimelineEvent => ({ id: BigInt(nextId++), actorId, occurredAt: at, data });

/**
 * INC-12, declared 10:00:00 SEV3 by Alice (commander) → 10:05 SEV1 → 10:06 page Bob → 10:09:30 Bob
 * acknowledges → 10:10 command to Bob → 10:11 Carol comms lead → 10:20 identified → 10:30 status update
 * → 10:40 action item → 11:00 SEV2 → 11:15 monitoring → 12:14 resolved with text → next day 09:00 closed.
 */
export function walkTimeline(): PostmortemTimelineEvent[] {
  nextId = 1;
  return [
    ev(T("10:00:00"), "U1ALICE", { kind: "declared", title: "Checkout failing", severity: "SEV3", commanderId: "U1ALICE", description: "Card payments fail", service: "checkout" }),
    ev(T("10:05:00"), "U1ALICE", { kind: "severity_changed", from: "SEV3", to: "SEV1" }),
    ev(T("10:06:00"), "B0BOT", { kind: "page_sent", pageId: 1, userId: "U2BOB", level: 1, round: 0 }),
    ev(T("10:09:30"), "U2BOB", { kind: "page_acknowledged", pageId: 1, userId: "U2BOB" }),
    ev(T("10:10:00"), "U1ALICE", { kind: "commander_changed", from: "U1ALICE", to: "U2BOB" }),
    ev(T("10:11:00"), "U2BOB", { kind: "role_assigned", role: "comms", from: null, to: "U3CAROL" }),
    ev(T("10:20:00"), "U2BOB", { kind: "status_changed", from: "investigating", to: "identified", text: "Bad deploy 4812" }),
    ev(T("10:30:00"), "U3CAROL", { kind: "status_update", text: "Card payments are failing for some customers.\nA fix is being rolled out." }),
    ev(T("10:40:00"), "U2BOB", { kind: "action_item_added", actionItemId: 1, text: "Add a canary for the payments deploy", ownerId: "U4DAVE", type: "prevent" }),
    ev(T("11:00:00"), "U2BOB", { kind: "severity_changed", from: "SEV1", to: "SEV2" }),
    ev(T("11:15:00"), "U2BOB", { kind: "status_changed", from: "identified", to: "monitoring" }),
    ev(T("12:14:00"), "U2BOB", { kind: "status_changed", from: "monitoring", to: "resolved", text: "Rolled back deploy 4812" }),
    ev(T("09:00:00", "2026-03-02"), "U2BOB", { kind: "status_changed", from: "resolved", to: "closed" }),
  ];
}

export function walkInput(overrides: Partial<PostmortemInput> = {}): PostmortemInput {
  return {
    incident: {
      number: 12,
      title: "Checkout failing",
      description: "Card payments fail at checkout",
      severity: "SEV2",
      status: "closed",
      commanderId: "U2BOB",
      commsLeadId: "U3CAROL",
      scribeId: null,
      service: "checkout",
      channelId: "C123",
      channelName: "inc-12-checkout-failing",
      resolution: "Rolled back deploy 4812 (row)",
      declaredAt: T("10:00:00"),
      resolvedAt: T("12:14:00"),
      closedAt: T("09:00:00", "2026-03-02"),
    },
    timeline: walkTimeline(),
    actionItems: [{ text: "Add a canary for the payments deploy", ownerId: "U4DAVE", type: "prevent", createdAt: T("10:40:00") }],
    relatedIncidents: [{ number: 7, title: "Payments timeouts", severity: "SEV2", declaredAt: T("08:00:00", "2026-02-10"), url: "https://wiki.example.com/INC-7" }],
    users: USERS,
    channelUrl: "https://acme.slack.com/archives/C123",
    generatedAt: T("10:00:00", "2026-03-02"),
    ...overrides,
  };
}

/** The 12 section headings of the default template, in order (the first one carries the title). */
export const HEADINGS_AFTER_TITLE = [
  "## Summary",
  "## Impact",
  "## Key times and durations",
  "## Timeline",
  "## Responders and roles",
  "## Analysis",
  "## Contributing factors",
  "## Lessons learned",
  "## Action items",
  "## Related incidents",
  "## Communications",
];

/** The body of one `## name` section (up to the next `## ` heading). */
export function section(markdown: string, name: string): string {
  const lines = markdown.split("\n");
  const start = lines.indexOf(`## ${name}`);
  if (start < 0) throw new Error(`no section ${name}`);
  let end = start + 1;
  while (end < lines.length && !lines[end].startsWith("## ")) end++;
  return lines.slice(start + 1, end).join("\n");
}

/** Every line that CommonMark would read as an ATX heading, also inside quotes and list items. */
export function headingLines(markdown: string): string[] {
  return markdown.split("\n").filter((l) => /^ {0,3}#{1,6}(?:[ \t]|$)/.test(stripContainers(l)));
}

/** The line without blockquote and list-item markers in front. */
export function stripContainers(line: string): string {
  let l = line;
  for (;;) {
    const m = /^ {0,3}(?:>|[-+*](?=[ \t]|$)|\d{1,9}[.)](?=[ \t]|$))[ \t]?/.exec(l);
    if (!m) return l;
    l = l.slice(m[0].length);
  }
}

/** The unescaped `|` of a table row (GFM splits cells on them). */
export const cellSeparators = (row: string): number => (row.replace(/\\\\/g, "").match(/(?<!\\)\|/g) ?? []).length;
