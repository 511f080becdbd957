import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  addBusinessDays,
  DEFAULT_TEMPLATE,
  fillTemplate,
  formatDuration,
  formatUtc,
  renderPostmortem,
  unknownPlaceholders,
  type PostmortemInput,
  type PostmortemTimelineEvent,
} from "../../../src/postmortem/draft/index.ts";
import type { TimelineData } from "../../../src/incidents/timeline.ts";
import { benchmarkInput } from "../../fixtures/postmortem.ts";
import { defaultTemplatePath, loadTemplate, TemplateError } from "../../../src/postmortem/template.ts";
import { cellSeparators, HEADINGS_AFTER_TITLE, headingLines, section, stripContainers, T, USERS, walkInput, walkTimeline } from "./walk.ts";

describe("formatting helpers", () => {
  it("writes durations the way people say them", () => {
    expect(formatDuration(0)).toBe("0 s");
    expect(formatDuration(45_000)).toBe("45 s");
    expect(formatDuration(9.5 * 60_000)).toBe("9 min 30 s");
    expect(formatDuration(3_600_000)).toBe("1 h");
    expect(formatDuration((2 * 60 + 14) * 60_000 + 59_000)).toBe("2 h 14 min");
    expect(formatDuration(27 * 3_600_000 + 60_000)).toBe("1 d 3 h 1 min");
    expect(formatDuration(-5_000)).toBe("0 s");
  });

  it("writes UTC times with dates", () => {
    expect(formatUtc(new Date("2026-03-01T10:04:05.900Z"))).toBe("2026-03-01 10:04:05 UTC");
  });

  it("counts business days over weekends", () => {
    // 2026-03-06 is a Friday.
    expect(addBusinessDays(new Date("2026-03-06T15:00:00Z"), 1).toISOString().slice(0, 10)).toBe("2026-03-09");
    expect(addBusinessDays(new Date("2026-03-01T12:00:00Z"), 5).toISOString().slice(0, 10)).toBe("2026-03-06");
  });
});

describe("renderPostmortem: a realistic walk", () => {
  const md = renderPostmortem(walkInput());

  it("has the 12 section headings, in order, and nothing else that reads as a heading", () => {
    expect(headingLines(md)).toEqual(["# INC-12: Checkout failing", ...HEADINGS_AFTER_TITLE]);
  });

  it("header: highest severity from the timeline, Draft, date, roles, channel link, review", () => {
    const header = md.slice(0, md.indexOf("## Summary"));
    expect(header).toContain("- **Document status:** Draft");
    expect(header).toContain("- **Date:** 2026-03-01");
    // The row says SEV2 (the severity now); SEV1 was reached in between.
    expect(header).toContain("- **Highest severity:** SEV1");
    expect(header).toContain("- **Incident commander:** Bob");
    expect(header).toContain("- **Communications lead:** Carol");
    expect(header).toContain("- **Scribe:** _unassigned_");
    expect(header).toContain("- **Service:** checkout");
    expect(header).toContain("- **Incident channel:** [\\#inc-12-checkout-failing](https://acme.slack.com/archives/C123)");
    // Resolved on Sunday 2026-03-01: five business days later is Friday 2026-03-06.
    expect(header).toContain("- **Review meeting:** to be scheduled within 5 business days (by Friday 2026-03-06)");
  });

  it("summary: what, how long, highest severity, how it was resolved (the resolve text)", () => {
    const s = section(md, "Summary");
    expect(s).toContain("Card payments fail at checkout");
    expect(s).toContain("- **Duration:** 2 h 14 min (declared 2026-03-01 10:00:00 UTC, resolved 2026-03-01 12:14:00 UTC)");
    expect(s).toContain("- **Highest severity:** SEV1");
    expect(s).toContain("- **Resolution:** Rolled back deploy 4812");
    expect(s).not.toContain("(row)");
    expect(s).toMatch(/> _Prompt: .+_/);
  });

  it("summary: falls back to the incident's resolution when the resolve had no text", () => {
    const timeline = walkTimeline().map((e) =>
      e.data.kind === "status_changed" && e.data.to === "resolved" ? { ...e, data: { kind: "status_changed", from: "monitoring", to: "resolved" } as const } : e,
    );
    const s = section(renderPostmortem(walkInput({ timeline })), "Summary");
    expect(s).toContain("- **Resolution:** Rolled back deploy 4812 (row)");
  });

  it("impact: time spent at each severity until resolved, and the prompts", () => {
    const s = section(md, "Impact");
    expect(s).toContain("| SEV1 | 55 min |");
    expect(s).toContain("| SEV2 | 1 h 14 min |");
    expect(s).toContain("| SEV3 | 5 min |");
    expect(s).toContain("| **Total** | 2 h 14 min |");
    expect(s.indexOf("| SEV1 |")).toBeLessThan(s.indexOf("| SEV2 |"));
    for (const p of ["Users affected", "Requests failed", "SLO breached", "Support tickets"]) expect(s).toContain(`> _Prompt: ${p}:`);
  });

  it("key times from declared; durations as incidents/durations.ts defines them (acknowledge from the first page)", () => {
    const s = section(md, "Key times and durations");
    expect(s).toContain("| Declared | 2026-03-01 10:00:00 UTC | 0 s |");
    expect(s).toContain("| First page | 2026-03-01 10:06:00 UTC | 6 min |");
    expect(s).toContain("| First acknowledgement | 2026-03-01 10:09:30 UTC | 9 min 30 s |");
    expect(s).toContain("| Mitigated (monitoring) | 2026-03-01 11:15:00 UTC | 1 h 15 min |");
    expect(s).toContain("| Resolved | 2026-03-01 12:14:00 UTC | 2 h 14 min |");
    expect(s).toContain("| Closed | 2026-03-02 09:00:00 UTC | 23 h |");
    expect(s).toContain("- **Time to acknowledge** (first page → first acknowledgement): 3 min 30 s");
    expect(s).toContain("- **Time to mitigate** (declared → monitoring): 1 h 15 min");
    expect(s).toContain("- **Time to resolve** (declared → resolved): 2 h 14 min");
  });

  it("timeline: every event, in order, in UTC with dates, as sentences", () => {
    const lines = section(md, "Timeline").split("\n").filter((l) => l.startsWith("- "));
    expect(lines).toEqual([
      "- 2026-03-01 10:00:00 UTC — Alice declared the incident as SEV3: “Checkout failing” for service checkout, with Alice as incident commander",
      "- 2026-03-01 10:05:00 UTC — Alice raised the severity from SEV3 to SEV1",
      "- 2026-03-01 10:06:00 UTC — @B0BOT paged Bob (escalation level 1)",
      "- 2026-03-01 10:09:30 UTC — Bob acknowledged the page",
      "- 2026-03-01 10:10:00 UTC — Alice handed incident command from Alice to Bob",
      "- 2026-03-01 10:11:00 UTC — Bob made Carol the communications lead",
      "- 2026-03-01 10:20:00 UTC — Bob changed the status from investigating to identified (cause found): Bad deploy 4812",
      "- 2026-03-01 10:30:00 UTC — Carol posted a status update: Card payments are failing for some customers. / A fix is being rolled out.",
      "- 2026-03-01 10:40:00 UTC — Bob added a prevent action item, owned by Dave: Add a canary for the payments deploy",
      "- 2026-03-01 11:00:00 UTC — Bob lowered the severity from SEV1 to SEV2",
      "- 2026-03-01 11:15:00 UTC — Bob changed the status from identified to monitoring (mitigated)",
      "- 2026-03-01 12:14:00 UTC — Bob resolved the incident: Rolled back deploy 4812",
      "- 2026-03-02 09:00:00 UTC — Bob closed the incident",
    ]);
  });

  it("timeline: escalation kinds and unknown kinds read as sentences", () => {
    const timeline: PostmortemTimelineEvent[] = [
      ...walkTimeline().slice(0, 1),
      { id: 90, actorId: "B0BOT", occurredAt: T("10:01:00"), data: { kind: "escalated", pageId: 1, level: 2, round: 0, manual: false } },
      { id: 91, actorId: "B0BOT", occurredAt: T("10:02:00"), data: { kind: "nobody_on_call", pageId: 1, level: 3, round: 0 } },
      { id: 92, actorId: "B0BOT", occurredAt: T("10:03:00"), data: { kind: "policy_exhausted", pageId: 1, policy: "payments", rounds: 1 } },
      // a kind this version does not know (written by a newer one) still reads as a sentence
      { id: "93", actorId: "U4DAVE", occurredAt: T("10:04:00"), data: { kind: "deploy_frozen", reason: "x" } as unknown as TimelineData },
    ];
    const s = section(renderPostmortem(walkInput({ timeline })), "Timeline");
    expect(s).toContain("- 2026-03-01 10:01:00 UTC — Nobody acknowledged in time: escalated to level 2");
    expect(s).toContain("- 2026-03-01 10:02:00 UTC — Nobody was on call at escalation level 3");
    expect(s).toContain("- 2026-03-01 10:03:00 UTC — The escalation policy was exhausted: every level was paged and nobody acknowledged");
    expect(s).toContain("- 2026-03-01 10:04:00 UTC — Dave recorded a “deploy\\_frozen” event");
  });

  it("responders and roles, with the handovers and their times", () => {
    const s = section(md, "Responders and roles");
    expect(s).toContain("- **Incident commander:** Bob");
    expect(s).toContain("- **Communications lead:** Carol");
    expect(s).toContain("- 2026-03-01 10:00:00 UTC — Alice became incident commander when the incident was declared");
    expect(s).toContain("- 2026-03-01 10:10:00 UTC — incident commander: from Alice to Bob (by Alice)");
    expect(s).toContain("- 2026-03-01 10:11:00 UTC — communications lead: to Carol (by Bob)");
    expect(s).toMatch(/^- Bob — incident commander, paged, acknowledged a page, \d+ timeline entries$/m);
    expect(s).toMatch(/^- Carol — communications lead, 1 timeline entry$/m);
  });

  it("no handovers: says who commanded throughout", () => {
    const timeline = walkTimeline().filter((e) => e.data.kind !== "commander_changed" && e.data.kind !== "role_assigned");
    const s = section(renderPostmortem(walkInput({ timeline })), "Responders and roles");
    expect(s).toContain("No handovers: Alice was incident commander throughout.");
  });

  it("prompts for leadup, fault, detection, response and recovery", () => {
    const s = section(md, "Analysis");
    for (const h of ["**Leadup**", "**Fault**", "**Detection**", "**Response**", "**Recovery**"]) expect(s).toContain(h);
    expect(s).toContain("How could we have detected this sooner?");
    expect(s.match(/^> _Prompt: /gm)).toHaveLength(5);
  });

  it("contributing factors: blameless prompts and a five-whys scaffold", () => {
    const s = section(md, "Contributing factors");
    expect(s).toContain("What in the system allowed this to happen?");
    expect(s).toContain("never who is to blame");
    const whys = s.split("\n").filter((l) => /^\d\. Why/.test(l));
    expect(whys.map((l) => l[0])).toEqual(["1", "2", "3", "4", "5"]);
  });

  it("lessons: went well, went poorly, got lucky", () => {
    const s = section(md, "Lessons learned");
    expect(s).toContain("**What went well**");
    expect(s).toContain("**What went poorly**");
    expect(s).toContain("**Where we got lucky**");
  });

  it("action items: a table of the input's items", () => {
    const rows = section(md, "Action items").split("\n").filter((l) => l.startsWith("|"));
    expect(rows[0]).toBe("| Action | Owner | Type | Added | Ticket |");
    expect(rows[2]).toBe("| Add a canary for the payments deploy | Dave | prevent | 2026-03-01 10:40:00 UTC | — |");
    expect(rows).toHaveLength(3);
  });

  it("action items: a prompt row when there are none; unowned items say so", () => {
    const none = section(renderPostmortem(walkInput({ actionItems: [] })), "Action items").split("\n").filter((l) => l.startsWith("|"));
    expect(none).toHaveLength(3);
    expect(none[2]).toMatch(/^\| _Prompt: what will we change\?_ \|/);
    const unowned = renderPostmortem(walkInput({ actionItems: [{ text: "Write a runbook", ownerId: null, type: "process", createdAt: T("11:00:00") }] }));
    expect(section(unowned, "Action items")).toContain("| Write a runbook | _unassigned_ | process |");
  });

  it("related incidents: listed with links, or None found", () => {
    expect(section(md, "Related incidents").trim()).toBe("- [INC-7: Payments timeouts](https://wiki.example.com/INC-7) — SEV2, declared 2026-02-10 08:00:00 UTC");
    expect(section(renderPostmortem(walkInput({ relatedIncidents: [] })), "Related incidents").trim()).toBe("None found.");
  });

  it("communications: the status updates in order, with time and author", () => {
    const s = section(md, "Communications").trim();
    expect(s.startsWith("- **2026-03-01 10:30:00 UTC, Carol:** Card payments are failing for some customers.  \n  A fix is being rolled out.")).toBe(true);
    const none = section(renderPostmortem(walkInput({ timeline: walkTimeline().filter((e) => e.data.kind !== "status_update") })), "Communications");
    expect(none.trim().split("\n")[0]).toBe("No status updates were posted.");
  });

  it("missing milestones show as —", () => {
    const timeline = walkTimeline().filter((e) => !["page_sent", "page_acknowledged"].includes(e.data.kind) && !(e.data.kind === "status_changed" && e.data.to === "monitoring"));
    const s = section(renderPostmortem(walkInput({ timeline })), "Key times and durations");
    expect(s).toContain("| First page | — | — |");
    expect(s).toContain("| First acknowledgement | — | — |");
    expect(s).toContain("| Mitigated (monitoring) | — | — |");
    expect(s).toContain("- **Time to acknowledge** (first page → first acknowledgement): —");
    expect(s).toContain("- **Time to mitigate** (declared → monitoring): —");
    expect(s).toContain("- **Time to resolve** (declared → resolved): 2 h 14 min");
  });
});

describe("renderPostmortem: open, reopened and busier incidents", () => {
  it("an open incident counts severity time until generatedAt and says it is not resolved", () => {
    const timeline = walkTimeline().slice(0, 10); // up to the change to SEV2 at 11:00
    const input = walkInput({
      timeline,
      incident: { ...walkInput().incident, status: "identified", resolvedAt: null, closedAt: null, resolution: null },
      generatedAt: T("11:30:00"),
    });
    const md = renderPostmortem(input);
    expect(section(md, "Impact")).toContain("| SEV2 | 30 min |");
    expect(section(md, "Impact")).toContain("| **Total** | 1 h 30 min |");
    expect(section(md, "Summary")).toContain("not resolved yet: open for 1 h 30 min");
    expect(section(md, "Summary")).toContain("- **Resolution:** _Prompt: How was the incident resolved?_");
    expect(section(md, "Key times and durations")).toContain("| Resolved | — | — |");
  });

  it("first page and first acknowledgement are the earliest of several", () => {
    const base = walkTimeline();
    const timeline: PostmortemTimelineEvent[] = [
      ...base.slice(0, 5),
      { id: 70, actorId: "B0BOT", occurredAt: T("10:10:30"), data: { kind: "page_sent", pageId: 2, userId: "U4DAVE", level: 2, round: 0 } },
      { id: 71, actorId: "U4DAVE", occurredAt: T("10:10:40"), data: { kind: "page_acknowledged", pageId: 2, userId: "U4DAVE" } },
      ...base.slice(5),
    ];
    const md = renderPostmortem(walkInput({ timeline }));
    const s = section(md, "Key times and durations");
    expect(s).toContain("| First page | 2026-03-01 10:06:00 UTC | 6 min |");
    expect(s).toContain("| First acknowledgement | 2026-03-01 10:09:30 UTC | 9 min 30 s |");
    expect(section(md, "Timeline")).toContain("- 2026-03-01 10:10:30 UTC — @B0BOT paged Dave (escalation level 2)");
    expect(section(md, "Responders and roles")).toMatch(/^- Dave — paged, acknowledged a page$/m);
  });

  it("mitigated is the first move to monitoring, even when the incident went back to investigating", () => {
    const base = walkTimeline();
    const timeline: PostmortemTimelineEvent[] = [
      ...base.slice(0, 11), // monitoring at 11:15
      { id: 60, actorId: "U2BOB", occurredAt: T("11:30:00"), data: { kind: "status_changed", from: "monitoring", to: "investigating" } },
      { id: 61, actorId: "U2BOB", occurredAt: T("11:50:00"), data: { kind: "status_changed", from: "investigating", to: "monitoring" } },
      ...base.slice(11),
    ];
    const s = section(renderPostmortem(walkInput({ timeline })), "Key times and durations");
    expect(s).toContain("| Mitigated (monitoring) | 2026-03-01 11:15:00 UTC | 1 h 15 min |");
  });

  it("a reopened incident: the time while resolved is not counted and the last resolution wins", () => {
    const base = walkTimeline().slice(0, 12); // resolved at 12:14
    const timeline: PostmortemTimelineEvent[] = [
      ...base,
      { id: 50, actorId: "U2BOB", occurredAt: T("13:00:00"), data: { kind: "status_changed", from: "resolved", to: "investigating" } },
      { id: 51, actorId: "U2BOB", occurredAt: T("13:30:00"), data: { kind: "status_changed", from: "investigating", to: "resolved", text: "Scaled the pool" } },
    ];
    const md = renderPostmortem(walkInput({ timeline, incident: { ...walkInput().incident, status: "resolved", closedAt: null, resolvedAt: T("13:30:00") } }));
    // SEV2 from 11:00 to 12:14 and from 13:00 to 13:30.
    expect(section(md, "Impact")).toContain("| SEV2 | 1 h 44 min |");
    expect(section(md, "Summary")).toContain("- **Duration:** 3 h 30 min");
    expect(section(md, "Summary")).toContain("- **Resolution:** Scaled the pool");
    expect(section(md, "Timeline")).toContain("Bob reopened the incident (now investigating)");
  });
});

describe("templates", () => {
  it("the default template file is the built-in default, with one placeholder per section", async () => {
    expect(await readFile(defaultTemplatePath, "utf8")).toBe(DEFAULT_TEMPLATE);
    expect(await loadTemplate()).toBe(DEFAULT_TEMPLATE);
    for (const p of ["header", "summary", "impact", "key_times", "timeline", "responders", "prompts", "contributing_factors", "lessons", "action_items", "related_incidents", "communications"]) {
      expect(DEFAULT_TEMPLATE.split(`{{${p}}}`)).toHaveLength(2);
    }
    expect(unknownPlaceholders(DEFAULT_TEMPLATE)).toEqual([]);
  });

  it("a custom template: simple values, sections, unknown placeholders left visible", async () => {
    const dir = await mkdtemp(join(tmpdir(), "pm-template-"));
    const file = join(dir, "custom.md");
    await writeFile(file, "\uFEFF# Postmortem {{ incident_ref }} — {{title}} ({{highest_severity}}, {{date}})\n\n{{key_times}}\n\n{{owner}}\n");
    const template = await loadTemplate(file).finally(() => rm(dir, { recursive: true, force: true }));
    expect(unknownPlaceholders(template)).toEqual(["owner"]);
    const md = renderPostmortem(walkInput(), template);
    expect(md.startsWith("# Postmortem INC-12 — Checkout failing (SEV1, 2026-03-01)\n\n| Milestone | Time | Since declared |")).toBe(true);
    expect(md.endsWith("\n\n{{owner}}\n")).toBe(true);
  });

  it("a missing template file is a clear error", async () => {
    await expect(loadTemplate("/nonexistent/pm.md")).rejects.toThrow(TemplateError);
    await expect(loadTemplate("/nonexistent/pm.md")).rejects.toThrow(/\/nonexistent\/pm\.md: the file does not exist/);
  });

  it("placeholders inside user text are not expanded (one pass)", () => {
    const input = walkInput();
    input.incident = { ...input.incident, title: "{{summary}} and {{incident_ref}}", description: "{{timeline}}" };
    const md = renderPostmortem(input);
    expect(md.split("\n")[0]).toBe("# INC-12: {{summary}} and {{incident\\_ref}}");
    expect(section(md, "Summary").split("\n")[1]).toBe("{{timeline}}");
    expect(section(md, "Timeline").match(/^- /gm)).toHaveLength(13);
    expect(fillTemplate("{{a}}{{b}}", { a: "{{b}}", b: "x" })).toBe("{{b}}x");
    // Replacement patterns in user text are text too.
    input.incident = { ...input.incident, title: "$& $1 $$ $`" };
    expect(renderPostmortem(input).split("\n")[0]).toBe("# INC-12: $& $1 $$ $\\`");
  });
});

describe("hostile text", () => {
  const hostile = walkInput();
  hostile.incident = {
    ...hostile.incident,
    title: "# Evil <script>alert(1)</script> | *x* [a](javascript:alert(1))\n## Injected\n---",
    description: [
      "<@U2BOB> and <@U9ZED|zed> saw <#C777|ops-alerts> and <#C888> <!here>",
      "See <https://status.example.com/a?b=1&amp;c=2|the status page> or <javascript:alert(1)|click> or <ftp://x.example.com>",
      "<img src=x onerror=alert(1)> <!-- comment --> &lt;b&gt;",
      "- not a list",
      "1. not a list",
      "===",
      "```",
      "~~~",
      "    indented code",
      "> not a quote",
      "| not | a | table |",
    ].join("\n"),
    channelName: "inc-12</a><script>",
  };
  hostile.timeline = [
    ...walkTimeline(),
    { id: 100, actorId: "U1ALICE", occurredAt: T("12:00:00"), data: { kind: "note", text: "line one\n# heading?\n|a|b|\n<script>x</script>" } },
    { id: 101, actorId: "U3CAROL", occurredAt: T("12:01:00"), data: { kind: "status_update", text: "ok\n## Not a heading\n- not a list\n    code?\n```" } },
  ];
  hostile.actionItems = [{ text: "Fix | the\ntable <b>now</b> \\| ok", ownerId: "U4DAVE", type: "detect", createdAt: T("10:40:00") }];
  hostile.users = { ...USERS, U4DAVE: "Dave | <i>D</i>\n# x" };
  const md = renderPostmortem(hostile);

  it("keeps exactly the 12 headings and never passes HTML through", () => {
    expect(headingLines(md)).toHaveLength(12);
    expect(headingLines(md).slice(1)).toEqual(HEADINGS_AFTER_TITLE);
    expect(md).not.toContain("<");
    expect(md).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
  });

  it("renders Slack markup readably", () => {
    const s = section(md, "Summary");
    expect(s).toContain("Bob and @zed saw \\#ops-alerts and \\#C888 @here");
    expect(s).toContain("See [the status page](https://status.example.com/a?b=1&c=2) or click or ftp://x.example.com");
    expect(s).not.toMatch(/\]\(javascript:/);
  });

  it("escapes what would start blocks, and keeps table rows whole", () => {
    const s = section(md, "Summary").split("\n");
    expect(s).toContain("\\- not a list  ");
    expect(s).toContain("1\\. not a list  ");
    expect(s).toContain("\\===  ");
    expect(s).toContain("\\`\\`\\`  ");
    expect(s).toContain("\\~\\~\\~  ");
    expect(s).toContain("indented code  ");
    expect(s).toContain("&gt; not a quote  ");
    const rows = section(md, "Action items").split("\n").filter((l) => l.startsWith("|"));
    expect(rows).toHaveLength(3);
    for (const row of rows) expect(cellSeparators(row)).toBe(6);
    expect(rows[2]).toBe("| Fix \\| the / table &lt;b&gt;now&lt;/b&gt; \\\\\\| ok | Dave \\| &lt;i&gt;D&lt;/i&gt; / \\# x | detect | 2026-03-01 10:40:00 UTC | — |");
  });

  it("no line of user text starts a block", () => {
    for (const line of md.split("\n")) {
      const inner = stripContainers(line);
      expect(inner).not.toMatch(/^ {0,3}(`{3,}|~{3,})/);
      expect(inner).not.toMatch(/^ {0,3}(=+|-+)[ \t]*$/);
      expect(inner).not.toMatch(/^ {4}/);
    }
  });
});

// Text that is hard on a Markdown document: structure characters, Slack markup, HTML, line breaks.
const nasty = fc.oneof(
  fc.string({ unit: "binary", maxLength: 60 }),
  fc
    .array(
      fc.constantFrom(
        "<script>",
        "</script>",
        "<img src=x onerror=alert(1)>",
        "# ",
        "## ",
        "\n",
        "\r",
        "\r\n",
        "\u2028",
        "\u0085",
        "\t",
        "    ",
        "|",
        "```",
        "~~~",
        "---",
        "===",
        "***",
        "<@U1ALICE>",
        "<@U9|x>",
        "<#C1|ops>",
        "<https://x.example.com/a(b)|y>",
        "<javascript:alert(1)|z>",
        "<!here>",
        "{{summary}}",
        "{{header}}",
        "*",
        "_",
        "[",
        "](",
        ")",
        "\\",
        "1. ",
        "- ",
        "+ ",
        "> ",
        "&lt;",
        "&#60;",
        "<",
        ">",
        "<!--",
        "-->",
        "x",
        " ",
      ),
      { maxLength: 25 },
    )
    .map((parts) => parts.join("")),
);

describe("property: arbitrary user text never breaks the document", () => {
  it("12 headings in order, no raw <, table rows whole", () => {
    fc.assert(
      fc.property(nasty, nasty, nasty, nasty, (title, note, action, update) => {
        const input = walkInput();
        input.incident = { ...input.incident, title, description: note, resolution: update };
        input.timeline = [
          ...walkTimeline(),
          { id: 200, actorId: "U1ALICE", occurredAt: T("12:00:00"), data: { kind: "note", text: note } },
          { id: 201, actorId: "U3CAROL", occurredAt: T("12:01:00"), data: { kind: "status_update", text: update } },
        ];
        input.actionItems = [{ text: action, ownerId: "U4DAVE", type: "mitigate", createdAt: T("10:40:00") }];
        const md = renderPostmortem(input);
        const headings = headingLines(md);
        expect(headings).toHaveLength(12);
        expect(headings[0].startsWith("# INC-12: ")).toBe(true);
        expect(headings.slice(1)).toEqual(HEADINGS_AFTER_TITLE);
        expect(md).not.toContain("<");
        for (const line of md.split("\n")) {
          const inner = stripContainers(line);
          expect(inner).not.toMatch(/^ {0,3}(`{3,}|~{3,})/);
          expect(inner).not.toMatch(/^ {0,3}(=+|-+)[ \t]*$/);
        }
        const rows = section(md, "Action items").split("\n").filter((l) => l.startsWith("|"));
        expect(rows).toHaveLength(3);
        for (const row of rows) expect(cellSeparators(row)).toBe(6);
        // The timeline has exactly one line per event.
        expect(section(md, "Timeline").split("\n").filter((l) => l.startsWith("- 2026-"))).toHaveLength(input.timeline.length);
      }),
      { numRuns: 300 },
    );
  });
});

describe("large incidents", () => {
  // How fast is measured by scripts/bench-postmortem.ts (numbers, not a timed test).
  it("renders 10,000 events completely", () => {
    const input: PostmortemInput = benchmarkInput(10_000);
    expect(input.timeline).toHaveLength(10_000);
    const md = renderPostmortem(input);
    const lines = section(md, "Timeline").split("\n").filter((l) => l.startsWith("- "));
    expect(lines).toHaveLength(10_000);
    // Every event is there, in order: each line carries its event's time.
    input.timeline.forEach((e, k) => expect(lines[k].startsWith(`- ${formatUtc(e.occurredAt)} — `)).toBe(true));
    for (let k = 1; k < 9_998; k++) {
      const d = input.timeline[k].data;
      if (d.kind === "note") expect(lines[k]).toContain(`(entry ${k})`);
    }
    expect(section(md, "Communications").split("\n").filter((l) => l.startsWith("- **"))).toHaveLength(input.timeline.filter((e) => e.data.kind === "status_update").length);
  });
});
