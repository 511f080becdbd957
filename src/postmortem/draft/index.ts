// Blameless postmortem drafts: what the bot knows about an incident (its row, timeline, action items,
// related incidents) rendered as Markdown through a template, with clearly marked prompts where people
// must write. Pure: no I/O, no clock (the caller passes generatedAt), linear in the timeline's length.
//
// Prompt convention: every place a person must write holds `_Prompt: …_`; standalone prompts are
// blockquotes (`> _Prompt: …_`). Search the document for "Prompt:" to find what is left to do.
//
// This module renders the whole draft. Beside it: the input (types.ts), the default template and its
// placeholders (placeholders.ts), what the timeline says (analyze.ts), shared formatting (format.ts),
// and the sections grouped by what they render (overview, timeline, reflection, follow-up).
import { incidentRef, statusLabel } from "../../incidents/lifecycle.ts";
import { inlineText, who } from "../markdown.ts";
import { analyze } from "./analyze.ts";
import { DASH, formatDate, formatUtc } from "./format.ts";
import { actionItemsSection, communicationsSection, relatedSection } from "./follow-up.ts";
import { channelLink, headerSection, impactSection, keyTimesSection, summarySection } from "./overview.ts";
import { DEFAULT_TEMPLATE, fillTemplate } from "./placeholders.ts";
import { contributingFactorsSection, lessonsSection, promptsSection } from "./reflection.ts";
import { respondersSection, timelineSection } from "./timeline.ts";
import type { PostmortemInput } from "./types.ts";

export {
  ACTION_ITEM_TYPES,
  type ActionItemType,
  type PostmortemActionItem,
  type PostmortemIncident,
  type PostmortemInput,
  type PostmortemTimelineEvent,
  type RelatedIncident,
} from "./types.ts";
export { DEFAULT_TEMPLATE, fillTemplate, SECTION_PLACEHOLDERS, unknownPlaceholders, VALUE_PLACEHOLDERS } from "./placeholders.ts";
export { addBusinessDays, formatDate, formatDuration, formatUtc } from "./format.ts";
export { describeTimelineEvent } from "./timeline.ts";

/** Renders the postmortem draft. `template` defaults to DEFAULT_TEMPLATE (templates/postmortem.md). */
export function renderPostmortem(input: PostmortemInput, template: string = DEFAULT_TEMPLATE): string {
  const users = input.users;
  const a = analyze(input);
  const i = input.incident;
  const values: Record<string, string> = {
    incident_ref: incidentRef(i.number),
    number: String(i.number),
    title: inlineText(i.title, users),
    severity: inlineText(i.severity),
    highest_severity: inlineText(a.highest),
    status: inlineText(statusLabel(i.status)),
    date: formatDate(a.declaredAt),
    commander: who(i.commanderId, users),
    service: i.service ? inlineText(i.service) : DASH,
    channel: channelLink(input),
    generated_at: formatUtc(input.generatedAt),
    header: headerSection(input, a, users),
    summary: summarySection(input, a, users),
    impact: impactSection(a, input.slo, input.generatedAt),
    key_times: keyTimesSection(a),
    timeline: timelineSection(input, users),
    responders: respondersSection(input, a, users),
    prompts: promptsSection(),
    contributing_factors: contributingFactorsSection(),
    lessons: lessonsSection(),
    action_items: actionItemsSection(input, users),
    related_incidents: relatedSection(input),
    communications: communicationsSection(a, users),
  };
  return fillTemplate(template, values);
}
