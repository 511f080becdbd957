// The postmortem of a real walk: declare → page → ack → updates → action items → resolve →
// close; exported to a git wiki (a real bare repository), re-exported (once as the bot left it,
// once after a person edited the page), and an export that fails and is retried.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ExportError, type PostmortemExporter } from "../../src/postmortem/export/exporter.ts";
import { createGitExporter } from "../../src/postmortem/export/git.ts";
import { ALICE, BOB, CAROL, DAVE, ERIN, startHarness, type Harness } from "../support/bot.ts";
import { policy, rotaFile, weeklySchedule } from "../fixtures/rotas.ts";

const ROTA = rotaFile({
  schedules: [weeklySchedule("primary", "Europe/London", ["U0ALICE001"])],
  policies: [policy("platform", [[["schedule:primary"], "5m"], [["user:U0DAVE0004"], "5m"]])],
  services: { checkout: "platform" },
});

const git = (cwd: string, ...args: string[]) => execFileSync("git", args, { cwd, encoding: "utf8" }).trim();

/** A wiki that can be switched off: the real git exporter behind a switch. */
function switchable(inner: PostmortemExporter): PostmortemExporter & { down: boolean; calls: number } {
  const s = {
    name: inner.name,
    down: false,
    calls: 0,
    async export(...args: Parameters<PostmortemExporter["export"]>) {
      s.calls++;
      if (s.down) throw new ExportError("wiki answered HTTP 503", { retryable: true, status: 503 } as never);
      return inner.export(...args);
    },
  };
  return s;
}

let h: Harness;
let remote: string;
let wiki: ReturnType<typeof switchable>;
beforeAll(async () => {
  remote = path.join(mkdtempSync(path.join(os.tmpdir(), "wiki-")), "wiki.git");
  execFileSync("git", ["init", "--bare", "-q", "-b", "main", remote]);
  wiki = switchable(createGitExporter({ remote, branch: "main", cacheDir: mkdtempSync(path.join(os.tmpdir(), "wiki-cache-")), urlBase: "https://wiki.example.com/{path}" }));
  h = await startHarness({ rota: ROTA, exporter: wiki });
});
afterEach(() => h.slack.assertNoUnexpectedCalls());
afterAll(async () => h.stop());

function readRemote(file: string): string {
  const clone = mkdtempSync(path.join(os.tmpdir(), "wiki-read-"));
  execFileSync("git", ["clone", "-q", "-b", "main", remote, clone]);
  return readFileSync(path.join(clone, file), "utf8");
}

describe("postmortem", () => {
  let number: number;
  let channelId: string;

  it("closing a walked incident exports a draft filled with what the bot saw", async () => {
    const reply = await h.command("declare Checkout errors <script>alert(1)</script> *bold* sev2 service:checkout", { user: ERIN });
    number = Number(/INC-(\d+)/.exec(reply.text)![1]);
    await h.deliver();
    const incident = (await h.bot.incidents.byNumber(number))!;
    channelId = incident.channelId!;
    h.clock.advance(3 * 60_000);
    await h.command("ack", { user: ALICE, channel: channelId });
    await h.command(`commander <@${ALICE}>`, { user: ERIN, channel: channelId });
    await h.command("sev 1", { user: ALICE, channel: channelId });
    h.clock.advance(4 * 60_000);
    await h.command("status identified", { user: ALICE, channel: channelId });
    await h.command("update Rolled back | the deploy; # not a heading <#C0123|ops> <@U0BOB00002>", { user: ALICE, channel: channelId });
    await h.command(`action Alert on checkout 5xx rate <@${BOB}> type:detect`, { user: ALICE, channel: channelId });
    await h.command("action Add a canary stage", { user: CAROL, channel: channelId });
    h.clock.advance(10 * 60_000);
    await h.command("status monitoring", { user: ALICE, channel: channelId });
    h.clock.advance(20 * 60_000);
    await h.command("resolve Rolled back deploy 4711", { user: ALICE, channel: channelId });
    await h.command("close", { user: ALICE, channel: channelId });
    await h.deliver();

    const updated = (await h.bot.incidents.byNumber(number))!;
    expect(updated.postmortemUrl).toMatch(/^https:\/\/wiki\.example\.com\/postmortems\/INC-\d+-checkout-errors/);
    const file = updated.postmortemUrl!.replace("https://wiki.example.com/", "");
    const md = readRemote(file);
    expect(md).toContain(`INC-${number}`);
    expect(md).toContain("Draft");
    expect(md).toMatch(/SEV1/); // the highest severity reached
    expect(md).toContain("Rolled back deploy 4711"); // how it was resolved
    expect(md).toContain("Alert on checkout 5xx rate");
    expect(md).toContain("detect");
    expect(md).toContain("Add a canary stage");
    expect(md).toContain("5 business days");
    expect(md).toMatch(/How could we have detected this sooner/);
    expect(md).not.toMatch(/<script/i);
    expect(md).not.toMatch(/^# not a heading/m);
    // time to acknowledge: paged at declaration, acknowledged 3 minutes later
    expect(md).toMatch(/acknowledge[^\n]*3 min/i);
    // the commit is meaningful and authored
    const log = git(remote, "log", "--format=%an|%s", "main");
    expect(log).toMatch(new RegExp(`incident-bot\\|.*INC-${number}`));
    // the link is posted in the incident channel and added to the card
    expect(h.slack.messages(channelId).some((m) => m.text.includes(updated.postmortemUrl!))).toBe(true);
    h.clock.advance(1_000); // the card is edited at most once a second
    await h.deliver();
    const card = h.slack.messages(channelId).find((m) => m.ts === updated.cardTs)!;
    expect(JSON.stringify(card.blocks)).toContain(updated.postmortemUrl!);
  });

  it("re-exporting updates the same document", async () => {
    const before = git(remote, "rev-list", "--count", "main");
    const incident = (await h.bot.incidents.byNumber(number))!;
    await h.t.db.actionItem.create({ data: { incidentId: incident.id, text: "Write the runbook", ownerId: DAVE, type: "process", createdById: DAVE, createdAt: h.clock.now() } });
    const reply = await h.command(`postmortem export INC-${number}`, { user: ALICE }); // the commander
    expect(reply.text).toContain("updating");
    await h.deliver();
    const after = (await h.bot.incidents.byNumber(number))!;
    expect(after.postmortemUrl).toBe(incident.postmortemUrl);
    expect(Number(git(remote, "rev-list", "--count", "main"))).toBe(Number(before) + 1);
    expect(readRemote(after.postmortemUrl!.replace("https://wiki.example.com/", ""))).toContain("Write the runbook");
  });

  it("a wiki page people edited is kept: re-exporting writes the regenerated draft next to it and says so in the channel", async () => {
    const incident = (await h.bot.incidents.byNumber(number))!;
    const file = incident.postmortemUrl!.replace("https://wiki.example.com/", "");
    expect(incident.postmortemHash).toMatch(/^[0-9a-f]{64}$/);
    // A person edits the page in their own clone of the wiki and pushes.
    const clone = mkdtempSync(path.join(os.tmpdir(), "wiki-person-"));
    execFileSync("git", ["clone", "-q", "-b", "main", remote, clone]);
    const edited = `${readFileSync(path.join(clone, file), "utf8")}\n## What we learned (written by the team)\n\nThe deploy pipeline skipped the canary.\n`;
    writeFileSync(path.join(clone, file), edited);
    git(clone, "-c", "user.name=Carol", "-c", "user.email=carol@example.com", "commit", "-q", "-am", "Our analysis");
    git(clone, "push", "-q", "origin", "main");

    await h.t.db.actionItem.create({ data: { incidentId: incident.id, text: "Make the canary mandatory", ownerId: CAROL, type: "prevent", createdById: CAROL, createdAt: h.clock.now() } });
    h.clock.advance(61_000); // past the one-minute export debounce
    await h.command(`postmortem export INC-${number}`, { user: ALICE }); // the commander
    await h.deliver();

    // The page is as the person left it; the draft is beside it, committed by the bot.
    expect(readRemote(file)).toBe(edited);
    const regeneratedFile = file.replace(/\.md$/, ".regenerated.md");
    const regenerated = readRemote(regeneratedFile);
    expect(regenerated).toContain(`INC-${number}`);
    expect(regenerated).toContain("Make the canary mandatory");
    expect(regenerated).not.toContain("written by the team");
    expect(git(remote, "log", "-1", "--format=%an|%s", "main")).toMatch(new RegExp(`^incident-bot\\|Regenerated postmortem draft for INC-${number}: `));

    // The incident still points at the page people edited, and the bot's version of it is unchanged.
    const after = (await h.bot.incidents.byNumber(number))!;
    expect(after.postmortemUrl).toBe(incident.postmortemUrl);
    expect(after.postmortemHash).toBe(incident.postmortemHash);

    // The channel is told that the edits were kept, and where the regenerated draft is.
    const told = h.slack.messages(channelId).filter((m) => m.text.includes(`https://wiki.example.com/${regeneratedFile}`));
    expect(told).toHaveLength(1);
    expect(told[0].text).toContain("people edited it, so it is kept as they left it");
    expect(told[0].text).toContain(incident.postmortemUrl!);
    const events = await h.t.db.timelineEvent.findMany({ where: { incidentId: incident.id, kind: "postmortem_exported" }, orderBy: { id: "asc" } });
    expect(events.at(-1)!.data).toMatchObject({ outcome: "kept-edits", regenerated: { url: `https://wiki.example.com/${regeneratedFile}` } });
  });

  it("a wiki that is down delays the export, says so once in the channel, and the draft goes out when it is back", async () => {
    const reply = await h.command("declare Wiki outage test sev3", { user: ERIN });
    const n = Number(/INC-(\d+)/.exec(reply.text)![1]);
    await h.deliver();
    const incident = (await h.bot.incidents.byNumber(n))!;
    wiki.down = true;
    await h.command("resolve fixed", { user: ERIN, channel: incident.channelId! });
    const closed = await h.command("close", { user: ERIN, channel: incident.channelId! });
    expect(closed.text).toContain("closed"); // closing is never blocked by the wiki
    await h.deliver();
    for (let i = 0; i < 4; i++) {
      h.clock.advance(60_000);
      await h.deliver();
    }
    expect(h.slack.messages(incident.channelId!).filter((m) => m.text.includes("did not take the postmortem draft")).length).toBe(1);
    expect((await h.bot.incidents.byId(incident.id))!.postmortemUrl).toBeNull();
    wiki.down = false;
    h.clock.advance(60_000);
    await h.deliver();
    const done = (await h.bot.incidents.byId(incident.id))!;
    expect(done.postmortemUrl).toContain(`INC-${n}-wiki-outage-test`);
    expect(h.slack.messages(incident.channelId!).some((m) => m.text.includes(done.postmortemUrl!))).toBe(true);
  });

  it("lists action items and refuses bad ones", async () => {
    const reply = await h.command("declare Action items sev4", { user: ERIN });
    const n = Number(/INC-(\d+)/.exec(reply.text)![1]);
    await h.deliver();
    const incident = (await h.bot.incidents.byNumber(n))!;
    expect((await h.command("action Fix it type:blame", { channel: incident.channelId! })).text).toMatch(/not a type.*mitigate/);
    expect((await h.command("action", { channel: incident.channelId! })).text).toMatch(/needs a text/);
    await h.command(`action Fix the retry storm <@${CAROL}> type:mitigate`, { channel: incident.channelId! });
    const list = await h.command("actions", { channel: incident.channelId! });
    expect(list.text).toContain("mitigate: Fix the retry storm");
    expect(list.text).toContain(`<@${CAROL}>`);
  });
});
