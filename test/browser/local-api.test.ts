// The local workspace's server without a browser: what the page asks for and sends, and that
// each action reaches the real bot as a signed Slack request and comes back through the stand-in.
import { writeFileSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TOKEN_HEADER } from "../../src/local/server.ts";
import { ALICE, ERIN, pageHeaders, startLocal, textOf, until, type LocalHarness } from "./helpers.ts";

let h: LocalHarness;
beforeAll(async () => {
  h = await startLocal();
});
afterAll(async () => {
  try {
    // nothing the bot did along the way went wrong (no failed Slack calls, no listener errors)
    expect(h?.log.lines.filter((l) => l.startsWith("error") || l.startsWith("warn"))).toEqual([]);
    h?.local.standIn.assertNoUnexpectedCalls();
  } finally {
    await h?.stop();
  }
});

const general = async (user = ERIN) => (await h.state(user)).channels.find((c) => c.name === "general")!.id;

describe("local workspace API", () => {
  it("serves the page and the sample workspace: five people, #general, #incidents, the sample rota", async () => {
    const page = await fetch(h.local.url);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(await page.text()).toContain('data-testid="message-box"');
    for (const asset of ["page.js", "page.css"]) expect((await fetch(`${h.local.url}${asset}`)).status).toBe(200);

    const s = await h.state(ERIN);
    expect(s.me).toBe(ERIN);
    expect(s.users.filter((u) => !u.isBot).map((u) => u.realName)).toEqual(["Alice Ng", "Bob Diaz", "Carol Ito", "Dave Okafor", "Erin Silva"]);
    expect(s.users.every((u) => u.isBot || u.tz)).toBe(true);
    expect(s.channels.map((c) => c.name)).toEqual(["general", "incidents"]);
    expect(s.oncall.map((o) => o.schedule).sort()).toEqual(["platform-primary", "platform-secondary"]);
    expect(s.postmortemDir).toBe(path.join(h.dataDir, "postmortems"));
    // no side channel: local mode passes its folder on, it does not write the environment
    expect(process.env.POSTMORTEM_DIR).toBeUndefined();
  });

  it("answers /incident help privately, with the command shown to the one who typed it", async () => {
    const channel = await general();
    const res = await h.post("/api/command", { user: ERIN, channel, text: "/incident help" });
    expect(res.ok).toBe(true);
    expect(res.answer.response_type).toBe("ephemeral");
    const mine = (await h.state(ERIN)).messages[channel];
    const help = mine.find((m) => m.command?.text === "/incident help");
    expect(help).toMatchObject({ ephemeral: true, fromBot: true });
    expect(help!.text).toContain("incident-bot commands");
    expect((await h.state(ALICE)).messages[channel].some((m) => m.command)).toBe(false);
  });

  it("declares through a signed slash command; the bot's channel, pinned card and announcement appear", async () => {
    const channel = await general();
    const res = await h.post("/api/command", { user: ERIN, channel, text: "/incident declare Api walk sev2" });
    expect(res.answer.text).toContain("INC-1");
    const inc = await until("the incident channel", async () => (await h.state(ERIN)).channels.find((c) => c.name === "inc-1-api-walk"));
    expect(inc.kind).toBe("incident");
    const card = await until("the pinned card", async () => (await h.state(ERIN)).messages[inc.id].find((m) => m.pinned));
    expect(textOf(card)).toContain("INC-1: Api walk");
    // the request really went over HTTP into Bolt, signed: the bot then called the stand-in
    expect(h.local.standIn.callsTo("conversations.create")).toHaveLength(1);
    const announce = (await h.state(ERIN)).channels.find((c) => c.name === "incidents")!;
    await until("the announcement", async () => (await h.state(ALICE)).messages[announce.id].find((m) => m.text.includes("INC-1 declared")));
  });

  it("clicks a card button as a block_actions interaction; the card is edited in place", async () => {
    const inc = (await h.state(ERIN)).channels.find((c) => c.name === "inc-1-api-walk")!;
    const card = (await h.state(ERIN)).messages[inc.id].find((m) => m.pinned)!;
    const actions = (card.blocks as { type: string; block_id?: string }[]).find((b) => b.type === "actions")!;
    await h.post("/api/action", { user: ERIN, channel: inc.id, messageTs: card.ts, blockId: actions.block_id, actionId: "incident_status:identified" });
    const edited = await until("the edited card", async () => (await h.state(ERIN)).messages[inc.id].find((m) => m.ts === card.ts && m.edited && textOf(m).includes("*Status*\\nIdentified")));
    expect(edited.pinned).toBe(true);
    // a severity menu sends the chosen option
    await h.post("/api/action", { user: ERIN, channel: inc.id, messageTs: card.ts, blockId: actions.block_id, actionId: "incident_severity", selectedValue: JSON.stringify({ incidentId: 1, to: "SEV1" }) });
    await until("SEV1 on the card", async () => textOf((await h.state(ERIN)).messages[inc.id].find((m) => m.ts === card.ts)!).includes("SEV1"));
  });

  it("opens the declare modal, shows the bot's field errors, and closes it when accepted", async () => {
    const channel = await general();
    await h.post("/api/command", { user: ERIN, channel, text: "/incident" });
    const open = await until("the modal", async () => (await h.state(ERIN)).views[0]);
    expect((await h.state(ALICE)).views).toEqual([]); // only Erin sees her modal
    const title = { title: { value: "   " }, severity: { value: "SEV2" }, commander: { value: ALICE } };
    const refused = await h.post("/api/view", { user: ERIN, viewId: open.id, values: title });
    expect(refused).toEqual({ ok: false, errors: { title: "Give the incident a title." } });
    const accepted = await h.post("/api/view", { user: ERIN, viewId: open.id, values: { ...title, title: { value: "From the form" } } });
    expect(accepted).toEqual({ ok: true });
    expect((await h.state(ERIN)).views).toEqual([]);
    const inc = await until("the second channel", async () => (await h.state(ERIN)).channels.find((c) => c.name === "inc-2-from-the-form"));
    const card = await until("its card", async () => (await h.state(ERIN)).messages[inc.id].find((m) => m.pinned));
    expect(textOf(card)).toContain("<@U0ALICE001>"); // the commander chosen in the form
  });

  it("posts plain text as the person, and a mention of the bot reaches it as an app_mention event", async () => {
    const channel = await general();
    await h.post("/api/command", { user: ALICE, channel, text: "hello @incident-bot & @bob" });
    const said = (await h.state(ALICE)).messages[channel].find((m) => m.user === ALICE)!;
    expect(said.text).toBe("hello <@U0STANDBOT|incident-bot> &amp; <@U0BOB00002|bob>");
    await until("the bot's reply in the thread", async () => (await h.state(ALICE)).messages[channel].find((m) => m.fromBot && m.threadTs === said.ts));
  });

  it("pushes a change event to the page for every change", async () => {
    const channel = await general();
    const got = new Promise<string>((resolve, reject) => {
      const req = http.get(`${h.local.url}api/events?token=${h.token}`, (res) => {
        let buffer = "";
        res.on("data", (chunk) => {
          buffer += chunk;
          if (buffer.includes("event: change")) {
            req.destroy();
            resolve(buffer);
          }
        });
      });
      req.on("error", (e) => (e.message.includes("aborted") || (e as NodeJS.ErrnoException).code === "ECONNRESET" ? undefined : reject(e)));
    });
    await new Promise((r) => setTimeout(r, 100)); // the stream is open before the change
    await h.post("/api/command", { user: ALICE, channel, text: "anyone there?" });
    expect(await got).toContain('"kind":"message"');
  });

  it("lists the postmortem drafts in the folder, newest first", async () => {
    writeFileSync(path.join(h.local.postmortemDir, "INC-9-example.md"), "# INC-9: Example\n\nDraft.\n");
    writeFileSync(path.join(h.local.postmortemDir, "notes.txt"), "not a draft");
    const s = await h.state(ERIN);
    expect(s.postmortems.map((p) => p.name)).toContain("INC-9-example.md");
    expect(s.postmortems.find((p) => p.name === "INC-9-example.md")!.text).toContain("Draft.");
    expect(s.postmortems.some((p) => p.name === "notes.txt")).toBe(false);
  });

  it("refuses what a page of another site could send: other hosts, form posts, unknown users", async () => {
    const channel = await general();
    const viaOtherHost = await new Promise<number>((resolve) => {
      const u = new URL(`${h.local.url}api/state?user=${ERIN}`);
      http.get({ host: u.hostname, port: u.port, path: `${u.pathname}${u.search}`, headers: { host: "evil.example:80" } }, (res) => resolve(res.statusCode ?? 0));
    });
    expect(viaOtherHost).toBe(403);
    const form = await fetch(`${h.local.url}api/command`, { method: "POST", headers: { "content-type": "text/plain" }, body: JSON.stringify({ user: ERIN, channel, text: "/incident list" }) });
    expect(form.status).toBe(403); // no Origin, no token
    const stranger = await fetch(`${h.local.url}api/command`, { method: "POST", headers: pageHeaders(h.local.url, h.token), body: JSON.stringify({ user: "U0NOBODY01", channel, text: "hi" }) });
    expect(stranger.status).toBe(400);
  });

  it("serves the page with this run's token in it, and the page's requests work with it from each of the page's own origins", async () => {
    const html = await (await fetch(h.local.url)).text();
    expect(html).toContain(`<meta name="incident-bot-token" content="${h.token}">`);
    expect(h.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const port = new URL(h.local.url).port;
    for (const origin of [`http://localhost:${port}`, `http://127.0.0.1:${port}`, `http://[::1]:${port}`]) {
      const res = await fetch(`${h.local.url}api/view/close`, { method: "POST", headers: { ...pageHeaders(h.local.url, h.token), origin }, body: JSON.stringify({ user: ERIN, viewId: "V0NONE" }) });
      expect(res.status, origin).toBe(200);
    }
    // a charset (or any parameter) after the JSON type is fine, in any case
    for (const type of ["application/json; charset=utf-8", "Application/JSON;charset=UTF-8"]) {
      const res = await fetch(`${h.local.url}api/view/close`, { method: "POST", headers: { ...pageHeaders(h.local.url, h.token), "content-type": type }, body: JSON.stringify({ user: ERIN, viewId: "V0NONE" }) });
      expect(res.status, type).toBe(200);
    }
  });

  it("says so for a command other than /incident, without bothering the bot", async () => {
    const channel = await general();
    const res = await h.post("/api/command", { user: ERIN, channel, text: "/giphy cats" });
    expect(res).toEqual({ ok: false, error: "unknown_command" });
    const note = (await h.state(ERIN)).messages[channel].find((m) => m.command?.text === "/giphy cats");
    expect(note?.text).toContain("/giphy is not a valid command");
  });
});

/**
 * What a page on another origin (any other local port included) could try. Each attempt is a
 * declare; after all of them, nothing was declared and the bot was never asked.
 */
describe("local workspace API: only the page itself", () => {
  let incidentsBefore: number;
  let createsBefore: number;
  beforeAll(async () => {
    incidentsBefore = await h.t.db.incident.count();
    createsBefore = h.local.standIn.callsTo("conversations.create").length;
  });

  const declare = async (headers: Record<string, string>, title: string) => {
    const channel = (await h.state(ERIN)).channels.find((c) => c.name === "general")!.id;
    const res = await fetch(`${h.local.url}api/command`, { method: "POST", headers, body: JSON.stringify({ user: ERIN, channel, text: `/incident declare ${title} sev1` }) });
    return { status: res.status, body: (await res.json()) as { ok: boolean; error?: string } };
  };
  const nothingDeclared = async () => {
    expect(await h.t.db.incident.count()).toBe(incidentsBefore);
    expect(h.local.standIn.callsTo("conversations.create")).toHaveLength(createsBefore);
    const general = (await h.state(ERIN)).channels.find((c) => c.name === "general")!;
    expect((await h.state(ERIN)).messages[general.id].filter((m) => m.command?.text.includes("Sneaky"))).toEqual([]);
  };

  it("refuses a body that is not application/json by its MIME type (415), before doing anything", async () => {
    const page = pageHeaders(h.local.url, h.token);
    for (const type of ["text/plain", "text/plain; application/json", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/jsonp", "application/json-patch+json", "json", ""]) {
      const { status, body } = await declare({ ...page, "content-type": type }, `Sneaky ${type}`);
      expect(status, type).toBe(415);
      expect(body).toEqual({ ok: false, error: "send application/json" });
    }
    const { "content-type": _, ...untyped } = page;
    expect((await declare(untyped, "Sneaky untyped")).status).toBe(415);
    await nothingDeclared();
  });

  it("refuses a POST from another origin, or with none (403)", async () => {
    const page = pageHeaders(h.local.url, h.token);
    const port = Number(new URL(h.local.url).port);
    for (const origin of [`http://localhost:${port + 1}`, "http://localhost", `https://localhost:${port}`, `http://127.0.0.1.example:${port}`, `http://evil.example:${port}`, "null", `http://[::1]:${port + 1}`]) {
      const { status, body } = await declare({ ...page, origin }, `Sneaky from ${origin}`);
      expect(status, origin).toBe(403);
      expect(body.ok).toBe(false);
    }
    const { origin: _, ...noOrigin } = page;
    expect((await declare(noOrigin, "Sneaky without an origin")).status).toBe(403);
    await nothingDeclared();
  });

  it("refuses requests without this run's token (403): POSTs, the state and the event stream", async () => {
    const page = pageHeaders(h.local.url, h.token);
    const { [TOKEN_HEADER]: _, ...noToken } = page;
    expect((await declare(noToken, "Sneaky without a token")).status).toBe(403);
    expect((await declare({ ...page, [TOKEN_HEADER]: "not-the-token" }, "Sneaky with a wrong token")).status).toBe(403);
    expect((await declare({ ...page, [TOKEN_HEADER]: `${h.token}x` }, "Sneaky with a longer token")).status).toBe(403);
    await nothingDeclared();

    const get = (p: string, headers: Record<string, string> = {}) => fetch(`${h.local.url}${p}`, { headers }).then(async (r) => {
      const status = r.status;
      await r.body?.cancel();
      return status;
    });
    expect(await get(`api/state?user=${ERIN}`)).toBe(403);
    expect(await get(`api/state?user=${ERIN}`, { [TOKEN_HEADER]: "not-the-token" })).toBe(403);
    expect(await get(`api/state?user=${ERIN}&token=${h.token}`)).toBe(403); // the query is for the stream alone
    expect(await get(`api/state?user=${ERIN}`, { [TOKEN_HEADER]: h.token, origin: "http://localhost:1" })).toBe(403); // another page, even with the token
    expect(await get(`api/state?user=${ERIN}`, { [TOKEN_HEADER]: h.token })).toBe(200);
    expect(await get("api/events")).toBe(403);
    expect(await get("api/events?token=not-the-token")).toBe(403);
    expect(await get(`api/events?token=${h.token}`, { origin: "http://localhost:1" })).toBe(403);
    // the bot's response_url takes no token but nothing from a browser (which always sends an Origin)
    const fromBrowser = await fetch(`${h.local.url}api/response/0123456789abcdef`, { method: "POST", headers: page, body: JSON.stringify({ text: "Sneaky" }) });
    expect(fromBrowser.status).toBe(403);
  });

  it("sends a test alert: an Alertmanager body to the bot's sample integration pages the on-call; resolving stops the page", async () => {
    const pagedDms = () => h.local.standIn.callsTo("chat.postMessage").filter((c) => /^[UW]/.test(String(c.args.channel)) && String(c.args.text).includes("You are paged: Checkout p99 latency"));
    const sent = await h.post("/api/test-alert", { severity: "warning" });
    expect(sent).toMatchObject({ ok: true, status: 200, received: 2, opened: 2, pagesStarted: [expect.any(Number)] });
    await until("the page's direct message", async () => pagedDms().length === 1);
    const dm = pagedDms()[0];
    expect(JSON.stringify(dm.args.blocks)).toContain("Declare incident");
    const again = await h.post("/api/test-alert", { severity: "warning" });
    expect(again).toMatchObject({ ok: true, opened: 0, repeated: 2, pagesStarted: [] });
    const resolved = await h.post("/api/test-alert", { severity: "warning", resolve: true });
    expect(resolved).toMatchObject({ ok: true, resolved: 2, pagesResolved: sent.pagesStarted });
    await until("the resolution", async () => h.local.standIn.callsTo("chat.postMessage").some((c) => c.args.channel === dm.args.channel && String(c.args.text).includes("Resolved by the source")));
    expect(pagedDms().length).toBe(1);
  });
});

/**
 * Reminders in the local workspace: a SEV1 declared there, the workspace's clock moved past the
 * SEV1 update cadence (30 min), one engine tick, and the nudge is in the incident channel.
 */
describe("local workspace: a reminder", () => {
  let r: LocalHarness;
  // the workspace's clock runs at real speed from an instant the test moves on
  let offset = new Date("2026-03-02T15:00:00Z").getTime() - Date.now();
  beforeAll(async () => {
    r = await startLocal({ clock: { now: () => new Date(Date.now() + offset) } });
  });
  afterAll(async () => r?.stop());

  it("a SEV1 with no status update for 30 minutes gets the update nudge, with Post update and Snooze 15 min", async () => {
    const channel = (await r.state(ERIN)).channels.find((c) => c.name === "general")!.id;
    const res = await r.post("/api/command", { user: ERIN, channel, text: "/incident declare Reminder walk sev1" });
    const number = Number(/INC-(\d+)/.exec(res.answer.text)?.[1]);
    const inc = await until("the incident channel", async () => (await r.state(ERIN)).channels.find((c) => c.name === `inc-${number}-reminder-walk`));
    await until("the pinned card", async () => (await r.state(ERIN)).messages[inc.id].find((m) => m.pinned));
    const nudges = async () => (await r.state(ERIN)).messages[inc.id].filter((m) => m.text.includes("has had no status update"));
    expect(await nudges()).toEqual([]);
    offset += 31 * 60_000;
    await r.local.bot.engine.tick();
    const [nudge] = await until("the update nudge", async () => {
      const found = await nudges();
      return found.length > 0 ? found : undefined;
    });
    expect(nudge.text).toContain(`INC-${number} (SEV1) has had no status update for 30 min`);
    expect(textOf(nudge)).toContain("Post update");
    expect(textOf(nudge)).toContain("Snooze 15 min");
    expect(r.log.lines.filter((l) => l.startsWith("error") || l.startsWith("warn"))).toEqual([]);
  });
});
