// Benchmark: rendering the postmortem draft of a long incident.
//   npx tsx scripts/bench-postmortem.ts [events=10000]
// Prints numbers; asserts nothing.
import { renderPostmortem } from "../src/postmortem/draft/index.ts";
import { markdownToStorage } from "../src/postmortem/confluence-storage.ts";
import { benchmarkInput } from "../test/fixtures/postmortem.ts";

const events = Number(process.argv[2] ?? 10_000);
const input = benchmarkInput(events);
renderPostmortem(input); // warm-up
const runs = 20;
let t = process.hrtime.bigint();
let markdown = "";
for (let i = 0; i < runs; i++) markdown = renderPostmortem(input);
const renderMs = Number(process.hrtime.bigint() - t) / 1e6 / runs;
t = process.hrtime.bigint();
for (let i = 0; i < runs; i++) markdownToStorage(markdown);
const storageMs = Number(process.hrtime.bigint() - t) / 1e6 / runs;
console.log(`postmortem draft of an incident with ${events} timeline events: ${renderMs.toFixed(1)} ms to render (${(markdown.length / 1024).toFixed(0)} KiB of Markdown, mean of ${runs})`);
console.log(`the same draft in Confluence storage format: ${storageMs.toFixed(1)} ms`);
