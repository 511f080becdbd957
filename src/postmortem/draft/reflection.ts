// The sections people write, as prompts: the analysis (leadup, fault, detection, response, recovery),
// the contributing factors (blameless, with five whys) and the lessons learned.
import { inlinePrompt, prompt } from "./format.ts";

export function promptsSection(): string {
  return [
    "**Leadup**",
    "",
    prompt("What changed or happened before the incident (deploys, configuration, traffic, dependencies)?"),
    "",
    "**Fault**",
    "",
    prompt("What failed, and how? Describe the technical cause and how it led to the impact."),
    "",
    "**Detection**",
    "",
    prompt("How was the incident detected (alert, customer report, someone noticing)? How could we have detected this sooner?"),
    "",
    "**Response**",
    "",
    prompt("How did the response go? Who was paged, how quickly did the right people join, and what slowed them down?"),
    "",
    "**Recovery**",
    "",
    prompt("How was service restored? What made recovery take as long as it did, and what would make it faster?"),
  ].join("\n");
}

export function contributingFactorsSection(): string {
  return [
    prompt(
      "What in the system allowed this to happen? Describe conditions, not culprits: missing safeguards, unclear signals, risky defaults, gaps in tooling or documentation, time pressure. People made reasonable decisions with what they knew at the time; ask why those decisions made sense, never who is to blame.",
    ),
    "",
    "**Five whys** (start from the impact; each answer is the next question):",
    "",
    `1. Why did the impact happen? ${inlinePrompt("…")}`,
    `2. Why did that happen? ${inlinePrompt("…")}`,
    `3. Why did that happen? ${inlinePrompt("…")}`,
    `4. Why did that happen? ${inlinePrompt("…")}`,
    `5. Why did that happen? ${inlinePrompt("… (a condition the system can change)")}`,
  ].join("\n");
}

export function lessonsSection(): string {
  return [
    "**What went well**",
    "",
    prompt("What worked: tools, alerts, runbooks, people and practices worth keeping?"),
    "",
    "**What went poorly**",
    "",
    prompt("What made the incident worse or longer than it needed to be?"),
    "",
    "**Where we got lucky**",
    "",
    prompt("What went right by chance, and would not next time?"),
  ].join("\n");
}
