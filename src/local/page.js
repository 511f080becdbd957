// The local workspace page: a small chat client over the local server's API (server.ts).
// Plain JS, no build step. Everything shown is built with DOM calls and text nodes — never
// innerHTML — because message text comes from people and from the bot.
//
// Data flow: GET /api/state?user=… gives everything one person sees; an EventSource on
// /api/events says when anything changed, and the page asks for its state again.

// ------------------------------------------------------------------ tiny DOM helpers

/** el("li.message.bot", {dataset: {ts}}, child, "text", …) */
function el(spec, props = {}, ...children) {
  const [tag, ...classes] = spec.split(".");
  const node = document.createElement(tag || "div");
  if (classes.length) node.className = classes.join(" ");
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "dataset") Object.assign(node.dataset, v);
    else if (k === "on") for (const [event, fn] of Object.entries(v)) node.addEventListener(event, fn);
    else if (k === "text") node.textContent = v;
    // properties, not attributes: a textarea's value, a select's choice, booleans, numbers
    else if (k === "value" || (k in node && typeof v !== "string")) node[k] = v;
    else node.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) node.append(c);
  return node;
}
const $ = (id) => document.getElementById(id);

// ------------------------------------------------------------------ state

const ui = {
  me: null, // user id
  channel: null, // channel id
  snap: null, // the last /api/state answer
  shownView: null, // "<id>:<hash>" of the modal on screen
  seen: new Map(), // `${user}:${channel}` -> number of messages seen
  fetchSeq: 0,
};

const params = new URLSearchParams(location.hash.slice(1));
ui.me = params.get("user");
ui.channel = params.get("channel");

function remember() {
  const p = new URLSearchParams();
  if (ui.me) p.set("user", ui.me);
  if (ui.channel) p.set("channel", ui.channel);
  history.replaceState(null, "", `#${p}`);
}

const usersById = () => new Map((ui.snap?.users ?? []).map((u) => [u.id, u]));
const displayName = (id) => usersById().get(id)?.realName ?? id;
const people = () => (ui.snap?.users ?? []).filter((u) => !u.isBot);

// ------------------------------------------------------------------ talking to the server

async function api(path, body) {
  const res = await fetch(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const json = await res.json().catch(() => ({ ok: false, error: `HTTP ${res.status}` }));
  if (!res.ok) throw new Error(json.error ?? `HTTP ${res.status}`);
  return json;
}

async function refresh() {
  const seq = ++ui.fetchSeq;
  const res = await fetch(`/api/state?user=${encodeURIComponent(ui.me ?? "")}`);
  if (!res.ok) {
    // an unknown user in the URL: start over as the first person
    if (ui.me !== null) {
      ui.me = null;
      return refresh();
    }
    throw new Error(`state: HTTP ${res.status}`);
  }
  const snap = await res.json();
  if (seq !== ui.fetchSeq) return; // a newer answer is on its way
  ui.snap = snap;
  render();
}

let refreshTimer = null;
/** Many changes arrive together (a declare is a dozen Web API calls): one fetch for all of them. */
function scheduleRefresh() {
  if (refreshTimer) return;
  refreshTimer = setTimeout(() => {
    refreshTimer = null;
    refresh().catch((err) => toast(err.message));
  }, 40);
}

function connect() {
  const events = new EventSource("/api/events");
  events.addEventListener("change", scheduleRefresh);
  events.addEventListener("open", () => {
    $("connection").hidden = true;
    scheduleRefresh(); // whatever happened while disconnected
  });
  events.addEventListener("error", () => {
    $("connection").hidden = false;
  });
}

let toastTimer = null;
function toast(text) {
  const t = $("toast");
  t.textContent = text;
  t.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (t.hidden = true), 6000);
}

// ------------------------------------------------------------------ mrkdwn

// The shortcodes the bot uses are drawn as small SVGs, so they show without an emoji font (a
// headless browser on a server has none); other known ones fall back to the Unicode character.
const SVG_NS = "http://www.w3.org/2000/svg";
const dot = (fill, stroke) => [["circle", { cx: 10, cy: 10, r: 8, fill, ...(stroke ? { stroke, "stroke-width": 1.5 } : {}) }]];
const ICONS = {
  red_circle: dot("#dd2e44"),
  large_orange_circle: dot("#f4900c"),
  large_yellow_circle: dot("#fdcb58"),
  large_green_circle: dot("#78b159"),
  large_blue_circle: dot("#55acee"),
  white_circle: dot("#ffffff", "#99aab5"),
  white_check_mark: [
    ["rect", { x: 1, y: 1, width: 18, height: 18, rx: 4, fill: "#77b255" }],
    ["path", { d: "M5 10.5l3.2 3.2L15 7", stroke: "#fff", "stroke-width": 2.4, fill: "none", "stroke-linecap": "round", "stroke-linejoin": "round" }],
  ],
  warning: [
    ["path", { d: "M10 1.8L19 18H1z", fill: "#ffcc4d", stroke: "#e0a800", "stroke-linejoin": "round" }],
    ["rect", { x: 9, y: 7, width: 2, height: 6, fill: "#231f20" }],
    ["rect", { x: 9, y: 14.5, width: 2, height: 2, fill: "#231f20" }],
  ],
  rotating_light: [
    ["path", { d: "M4 15V10a6 6 0 0 1 12 0v5z", fill: "#dd2e44" }],
    ["rect", { x: 2, y: 15, width: 16, height: 3, rx: 1, fill: "#99aab5" }],
    ["path", { d: "M7.5 10a2.5 2.5 0 0 1 2.5-2.5", stroke: "#fff", "stroke-width": 1.5, fill: "none" }],
  ],
  pager: [
    ["rect", { x: 2, y: 4, width: 16, height: 12, rx: 2, fill: "#66757f" }],
    ["rect", { x: 4, y: 6, width: 12, height: 5, rx: 1, fill: "#c1e1a6" }],
    ["circle", { cx: 6, cy: 13.5, r: 1, fill: "#ccd6dd" }],
    ["circle", { cx: 10, cy: 13.5, r: 1, fill: "#ccd6dd" }],
    ["circle", { cx: 14, cy: 13.5, r: 1, fill: "#ccd6dd" }],
  ],
  mega: [
    ["path", { d: "M3 7.5h3l9-5v15l-9-5H3z", fill: "#dd2e44" }],
    ["rect", { x: 5, y: 12, width: 3, height: 5, rx: 1, fill: "#99aab5" }],
  ],
  hourglass: [["path", { d: "M5 2h10v2c0 3-3 4.5-3 6s3 3 3 6v2H5v-2c0-3 3-4.5 3-6S5 7 5 4z", fill: "#ffac33", stroke: "#8a4b00" }]],
  pushpin: [
    ["path", { d: "M7 2h6l-1 5 3 3H5l3-3z", fill: "#dd2e44" }],
    ["rect", { x: 9.25, y: 10, width: 1.5, height: 8, fill: "#66757f" }],
  ],
};
const EMOJI = {
  fire: "🔥", x: "❌", no_entry: "⛔", hourglass_flowing_sand: "⏳", bell: "🔔", tada: "🎉", eyes: "👀", wave: "👋",
  thumbsup: "👍", "+1": "👍", point_right: "👉", clipboard: "📋", memo: "📝", link: "🔗", bulb: "💡", wrench: "🔧",
  heavy_check_mark: "✔️", arrow_right: "➡️", information_source: "ℹ️", question: "❓", exclamation: "❗", sos: "🆘",
};

/** One emoji by shortcode name; `literal` (":name:") when it is not known. */
function emoji(name, literal) {
  const parts = ICONS[name];
  if (!parts) return document.createTextNode(EMOJI[name] ?? literal);
  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("viewBox", "0 0 20 20");
  svg.setAttribute("class", "emoji");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", `:${name}:`);
  for (const [tag, attrs] of parts) {
    const shape = document.createElementNS(SVG_NS, tag);
    for (const [k, v] of Object.entries(attrs)) shape.setAttribute(k, String(v));
    svg.append(shape);
  }
  return svg;
}

/** Plain text with its :shortcodes: as emoji (plain_text objects with emoji: true do this in Slack). */
function withEmoji(text) {
  const out = [];
  let last = 0;
  for (const m of String(text ?? "").matchAll(/:([a-z0-9_+-]+):/g)) {
    if (m.index > last) out.push(document.createTextNode(text.slice(last, m.index)));
    out.push(emoji(m[1], m[0]));
    last = m.index + m[0].length;
  }
  if (last < String(text ?? "").length) out.push(document.createTextNode(text.slice(last)));
  return out;
}

/** Slack escapes exactly these three in message text. */
const unescapeSlack = (text) => text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");

/** A `<…>` entity: mentions, channels, special mentions, dates, links. */
function entity(body) {
  const bar = body.indexOf("|");
  const target = bar < 0 ? body : body.slice(0, bar);
  const label = bar < 0 ? null : unescapeSlack(body.slice(bar + 1));
  if (target.startsWith("@")) {
    return el("span.mention", { dataset: { user: target.slice(1) }, text: `@${usersById().get(target.slice(1))?.realName ?? label ?? target.slice(1)}` });
  }
  if (target.startsWith("#")) {
    const id = target.slice(1);
    const known = ui.snap?.channels.find((c) => c.id === id);
    return el("a.channel-link", { href: "#", dataset: { channelId: id }, text: `#${known?.name ?? label ?? id}`, on: { click: (e) => (e.preventDefault(), known && openChannel(id)) } });
  }
  if (target.startsWith("!")) {
    const word = target.slice(1);
    if (["channel", "here", "everyone"].includes(word)) return el("span.mention.special", { text: `@${word}` });
    if (word.startsWith("date^")) return el("span.date", { title: word.split("^")[1] ? new Date(Number(word.split("^")[1]) * 1000).toString() : "", text: label ?? "" });
    if (word.startsWith("subteam^")) return el("span.mention", { text: label ?? "@team" });
    return document.createTextNode(label ?? "");
  }
  const url = unescapeSlack(target);
  if (/^(https?:|mailto:)/i.test(url)) return el("a", { href: url, target: "_blank", rel: "noopener noreferrer", text: label ?? url });
  return document.createTextNode(label ?? url);
}

// `code`, <entity>, *bold*, _italic_, ~strike~ (only at word boundaries, as Slack does), :emoji:
const INLINE = /`([^`\n]+)`|<([^<>\n]+)>|(?<![\p{L}\p{N}*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\p{L}\p{N}*])|(?<![\p{L}\p{N}_])_(?=\S)([^_\n]+?)(?<=\S)_(?![\p{L}\p{N}_])|(?<![\p{L}\p{N}~])~(?=\S)([^~\n]+?)(?<=\S)~(?![\p{L}\p{N}~])|:([a-z0-9_+-]+):/gu;

function inline(text) {
  const out = [];
  let last = 0;
  for (const m of text.matchAll(INLINE)) {
    if (m.index > last) out.push(document.createTextNode(unescapeSlack(text.slice(last, m.index))));
    last = m.index + m[0].length;
    if (m[1] !== undefined) out.push(el("code", { text: unescapeSlack(m[1]) }));
    else if (m[2] !== undefined) out.push(entity(m[2]));
    else if (m[3] !== undefined) out.push(el("strong", {}, inline(m[3])));
    else if (m[4] !== undefined) out.push(el("em", {}, inline(m[4])));
    else if (m[5] !== undefined) out.push(el("s", {}, inline(m[5])));
    else out.push(emoji(m[6], m[0]));
  }
  if (last < text.length) out.push(document.createTextNode(unescapeSlack(text.slice(last))));
  return out;
}

/** Slack mrkdwn → DOM: ```code blocks```, > quotes, line breaks, then the inline formats. */
function mrkdwn(text) {
  const frag = document.createDocumentFragment();
  String(text ?? "").split("```").forEach((part, i) => {
    if (i % 2 === 1) {
      frag.append(el("pre.code-block", { text: unescapeSlack(part.replace(/^\n/, "")) }));
      return;
    }
    let quote = null;
    let first = true;
    for (const line of part.split("\n")) {
      const q = /^(?:&gt;|>)\s?(.*)$/.exec(line);
      if (q) {
        if (quote) quote.append(el("br"));
        else frag.append((quote = el("blockquote")));
        quote.append(...inline(q[1]));
        first = false;
        continue;
      }
      if (quote) quote = null; // a quote is a block: no line break after it
      else if (!first) frag.append(el("br"));
      frag.append(...inline(line));
      first = false;
    }
  });
  return frag;
}

/** A text object: mrkdwn, or plain_text (emoji shortcodes only). */
function textObject(t) {
  if (!t) return document.createTextNode("");
  if (t.type === "mrkdwn") return mrkdwn(t.text);
  if (t.emoji === false) return document.createTextNode(t.text ?? "");
  const frag = document.createDocumentFragment();
  frag.append(...withEmoji(t.text ?? ""));
  return frag;
}

// ------------------------------------------------------------------ Block Kit

const blockKey = (block, i) => (typeof block.block_id === "string" ? block.block_id : `#${i}`);

/** A button or menu in a message; `act` is null where clicks go nowhere (answers, modals). */
function interactive(element, blockId, act) {
  if (element.type === "button") {
    const b = el(`button.block-button${element.style ? `.${element.style}` : ""}`, {
      type: "button",
      dataset: { actionId: element.action_id, blockId },
      disabled: !act,
    }, textObject(element.text));
    if (act) {
      b.addEventListener("click", async () => {
        b.disabled = true;
        b.setAttribute("aria-busy", "true");
        try {
          await act({ blockId, actionId: element.action_id });
        } catch (err) {
          toast(err.message);
        } finally {
          b.disabled = false;
          b.removeAttribute("aria-busy");
        }
      });
    }
    return b;
  }
  if (element.type === "static_select") {
    const select = el("select.block-select", { dataset: { actionId: element.action_id, blockId }, disabled: !act });
    select.append(el("option", { value: "", text: element.placeholder?.text ?? "Choose…", disabled: true, selected: !element.initial_option }));
    for (const o of element.options ?? []) select.append(el("option", { value: o.value, text: o.text?.text ?? o.value, selected: element.initial_option?.value === o.value }));
    if (act) {
      select.addEventListener("change", () => act({ blockId, actionId: element.action_id, selectedValue: select.value }).catch((err) => toast(err.message)));
    }
    return select;
  }
  if (element.type === "image") return el("span.image-alt", { text: `[${element.alt_text ?? "image"}]` });
  return el("span.unsupported", { text: `(${element.type})` });
}

function renderBlocks(blocks, act) {
  const box = el("div.blocks");
  blocks.forEach((block, i) => {
    const key = blockKey(block, i);
    switch (block.type) {
      case "header":
        box.append(el("h3.block-header", { dataset: { blockId: key } }, textObject(block.text)));
        break;
      case "section": {
        const s = el("div.block-section", { dataset: { blockId: key } });
        const main = el("div.section-main");
        if (block.text) main.append(el("div.section-text", {}, textObject(block.text)));
        if (Array.isArray(block.fields)) main.append(el("div.fields", {}, block.fields.map((f) => el("div.field", {}, textObject(f)))));
        s.append(main);
        if (block.accessory) s.append(el("div.accessory", {}, interactive(block.accessory, key, act)));
        box.append(s);
        break;
      }
      case "context":
        box.append(el("div.block-context", { dataset: { blockId: key } }, (block.elements ?? []).map((e) => (e.type === "image" ? el("span.image-alt", { text: `[${e.alt_text ?? "image"}]` }) : el("span", {}, textObject(e))))));
        break;
      case "divider":
        box.append(el("hr.block-divider"));
        break;
      case "actions":
        box.append(el("div.block-actions", { dataset: { blockId: key } }, (block.elements ?? []).map((e) => interactive(e, key, act))));
        break;
      case "image":
        box.append(el("div.image-alt", { text: `[image: ${block.alt_text ?? ""}]` }));
        break;
      default:
        box.append(el("div.unsupported", { text: `(a ${block.type} block)` }));
    }
  });
  return box;
}

// ------------------------------------------------------------------ sidebar

function renderPicker() {
  const picker = $("user-picker");
  const wanted = people().map((u) => `${u.id}:${u.realName}`).join("|");
  if (picker.dataset.users !== wanted) {
    picker.replaceChildren(...people().map((u) => el("option", { value: u.id, text: u.realName })));
    picker.dataset.users = wanted;
  }
  picker.value = ui.me;
}

function renderOnCall() {
  const list = $("oncall-list");
  const rows = ui.snap.oncall;
  if (rows.length === 0) {
    list.replaceChildren(el("li.hint", { text: "No schedules." }));
    return;
  }
  list.replaceChildren(
    ...rows.map((r) =>
      el("li", { dataset: { schedule: r.schedule } }, el("span.schedule", { text: r.schedule }), " ", el("span.who", { text: r.users.length ? r.users.map(displayName).join(", ") : "nobody" })),
    ),
  );
}

function unreadCount(c) {
  const total = (ui.snap.messages[c.id] ?? []).length;
  return Math.max(0, total - (ui.seen.get(`${ui.me}:${c.id}`) ?? 0));
}

function renderChannelList() {
  const nav = $("channel-list");
  const sections = [
    ["Channels", "channel"],
    ["Incidents", "incident"],
    ["Direct messages", "dm"],
  ];
  nav.replaceChildren(
    ...sections.map(([title, kind]) => {
      const items = ui.snap.channels.filter((c) => c.kind === kind);
      return el(
        "section.channel-section",
        { dataset: { kind } },
        el("h2", { text: title }),
        items.length === 0 ? el("p.hint", { text: kind === "incident" ? "No incidents yet." : kind === "dm" ? "None yet." : "" }) : null,
        el(
          "ul",
          {},
          items.map((c) => {
            const unread = c.id === ui.channel ? 0 : unreadCount(c);
            return el(
              "li",
              {},
              el(
                `button.channel${c.id === ui.channel ? ".active" : ""}${unread ? ".unread" : ""}${c.isArchived ? ".archived" : ""}`,
                { type: "button", dataset: { channelName: c.name, channelId: c.id, kind: c.kind }, on: { click: () => openChannel(c.id) } },
                el("span.sigil", { text: c.kind === "dm" ? "●" : "#" }),
                el("span.name", { text: c.name }),
                unread ? el("span.badge", { text: String(unread) }) : null,
              ),
            );
          }),
        ),
      );
    }),
  );
}

// ------------------------------------------------------------------ messages

function initials(name) {
  return name.split(/\s+/).map((w) => w[0] ?? "").join("").slice(0, 2).toUpperCase();
}

function timeOf(ts) {
  return new Date(Number(ts.split(".")[0]) * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

function messageContent(m) {
  const author = m.fromBot ? "incident-bot" : displayName(m.user);
  const act = m.key === m.ts ? (a) => api("/api/action", { user: ui.me, channel: ui.channel, messageTs: m.ts, ...a }) : null;
  const meta = el(
    "div.meta",
    {},
    el("span.author", { text: author }),
    m.fromBot ? el("span.app-badge", { text: "APP" }) : null,
    el("time", { text: timeOf(m.ts), title: m.ts }),
    m.edited ? el("span.edited", { text: "(edited)" }) : null,
    m.pinned ? el("span.pin-flag", {}, emoji("pushpin", ""), "Pinned") : null,
    m.threadTs ? el("span.thread", { text: "↳ in a thread" }) : null,
  );
  const parts = [meta];
  if (m.ephemeral) parts.push(el("div.ephemeral-note", { text: m.command ? `Only visible to you · you typed ${m.command.text}` : "Only visible to you" }));
  else if (m.command) parts.push(el("div.command-line", { text: `${displayName(m.command.user)} used ${m.command.text}` }));
  parts.push(el("div.content", {}, m.blocks ? renderBlocks(m.blocks, act) : mrkdwn(m.text)));
  const avatar = m.fromBot ? el("div.avatar", { "aria-hidden": "true" }, el("img", { src: "/favicon.svg", alt: "" })) : el("div.avatar", { text: initials(author), "aria-hidden": "true" });
  return [avatar, el("div.body", {}, parts)];
}

/** Messages keyed by ts: an edited card is redrawn in the same list item, in place. */
function renderMessages(channelChanged) {
  const list = $("messages");
  if (channelChanged) list.replaceChildren();
  const messages = ui.snap.messages[ui.channel] ?? [];
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 60;
  const existing = new Map([...list.children].map((li) => [li.dataset.key, li]));
  let previous = null;
  for (const m of messages) {
    const signature = JSON.stringify([m.text, m.blocks, m.edited, m.pinned, m.command, m.ephemeral]);
    let li = existing.get(m.key);
    existing.delete(m.key);
    if (!li) {
      li = el("li.message", { dataset: { key: m.key, ts: m.ts, testid: "message" } });
      li.dataset.signature = "";
    }
    if (li.dataset.signature !== signature) {
      li.className = `message${m.fromBot ? " bot" : ""}${m.ephemeral ? " ephemeral" : ""}${m.pinned ? " pinned" : ""}${m.threadTs ? " reply" : ""}`;
      li.replaceChildren(...messageContent(m));
      li.dataset.signature = signature;
    }
    const expected = previous ? previous.nextSibling : list.firstChild;
    if (expected !== li) list.insertBefore(li, expected);
    previous = li;
  }
  for (const gone of existing.values()) gone.remove();
  if (messages.length === 0) list.replaceChildren(el("li.empty", { text: "No messages yet." }));
  else list.querySelector(".empty")?.remove();
  if (atBottom || channelChanged) list.scrollTop = list.scrollHeight;
  ui.seen.set(`${ui.me}:${ui.channel}`, messages.length);
}

function renderPins() {
  const pins = $("pins");
  const pinned = (ui.snap.messages[ui.channel] ?? []).filter((m) => m.pinned);
  pins.hidden = pinned.length === 0;
  pins.replaceChildren(
    el("span.pins-title", {}, emoji("pushpin", ""), `${pinned.length} pinned`),
    ...pinned.map((m) => {
      const header = (m.blocks ?? []).find((b) => b.type === "header");
      const label = header ? withEmoji(header.text.text) : [unescapeSlack(m.text).split("\n")[0].slice(0, 80)];
      return el(
        "button.pinned-item",
        {
          type: "button",
          dataset: { ts: m.ts, testid: "pinned-item" },
          on: { click: () => document.querySelector(`#messages li[data-key="${CSS.escape(m.key)}"]`)?.scrollIntoView({ block: "center", behavior: "smooth" }) },
        },
        label,
      );
    }),
  );
}

function renderHeader() {
  const c = ui.snap.channels.find((x) => x.id === ui.channel);
  $("channel-title").textContent = c ? (c.kind === "dm" ? c.name : `# ${c.name}`) : "";
  $("channel-topic").textContent = c ? [c.topic, c.isArchived ? "(archived)" : "", c.kind !== "dm" && !c.isMember ? "(you are not a member)" : ""].filter(Boolean).join(" ") : "";
  $("message-box").placeholder = c ? `Message ${c.kind === "dm" ? c.name : `#${c.name}`}` : "";
}

// ------------------------------------------------------------------ postmortems

function renderPostmortems() {
  $("postmortem-dir").textContent = `Drafts the bot exported to ${ui.snap.postmortemDir}`;
  const list = $("postmortem-list");
  const files = ui.snap.postmortems;
  const open = new Set([...list.querySelectorAll("details[open]")].map((d) => d.dataset.name));
  const signature = JSON.stringify(files.map((f) => [f.name, f.modified]));
  if (list.dataset.signature === signature) return;
  list.dataset.signature = signature;
  if (files.length === 0) {
    list.replaceChildren(el("p.hint", { text: "None yet: closing an incident (or /incident postmortem) exports its draft here." }));
    return;
  }
  list.replaceChildren(
    ...files.map((f, i) =>
      el(
        "details.postmortem",
        { dataset: { name: f.name, testid: "postmortem" }, open: open.has(f.name) || (open.size === 0 && i === 0) },
        el("summary", {}, el("span.file", { text: f.name }), el("time", { text: new Date(f.modified).toLocaleString() })),
        el("pre.markdown", { text: f.text }),
      ),
    ),
  );
}

// ------------------------------------------------------------------ modals

function inputElement(element, blockId) {
  const id = `f-${blockId}-${element.action_id}`;
  const common = { id, name: `${blockId}.${element.action_id}`, dataset: { blockId, actionId: element.action_id, type: element.type } };
  switch (element.type) {
    case "plain_text_input": {
      const props = { ...common, placeholder: element.placeholder?.text, maxLength: element.max_length, value: element.initial_value ?? "" };
      return element.multiline ? el("textarea", { ...props, rows: 4 }) : el("input", { ...props, type: "text" });
    }
    case "static_select": {
      const s = el("select", common, el("option", { value: "", text: element.placeholder?.text ?? "Select an option", selected: !element.initial_option }));
      for (const o of element.options ?? []) s.append(el("option", { value: o.value, text: o.text?.text ?? o.value, selected: element.initial_option?.value === o.value }));
      return s;
    }
    case "users_select": {
      const s = el("select", common, el("option", { value: "", text: element.placeholder?.text ?? "Select a person", selected: !element.initial_user }));
      for (const u of people()) s.append(el("option", { value: u.id, text: u.realName, selected: element.initial_user === u.id }));
      return s;
    }
    default:
      return el("p.unsupported", { text: `(${element.type} fields are not shown in the local workspace)` });
  }
}

function closeModal(viewId) {
  ui.shownView = null;
  $("modal-root").hidden = true;
  $("modal-root").replaceChildren();
  if (viewId) api("/api/view/close", { user: ui.me, viewId }).catch((err) => toast(err.message));
}

function showErrors(form, errors) {
  for (const p of form.querySelectorAll(".field-error")) p.textContent = "";
  for (const [blockId, message] of Object.entries(errors)) {
    const target = form.querySelector(`.field-error[data-error-for="${CSS.escape(blockId)}"]`) ?? form.querySelector(".form-error");
    target.textContent = message;
  }
}

function renderModal() {
  const root = $("modal-root");
  const top = ui.snap.views.at(-1);
  if (!top) {
    if (ui.shownView) closeModal(null);
    return;
  }
  const key = `${top.id}:${top.view.hash}`;
  if (ui.shownView === key) return; // keep what is being typed
  ui.shownView = key;
  const v = top.view;
  const form = el("form.modal-body", { novalidate: true });
  for (const [i, block] of (v.blocks ?? []).entries()) {
    const blockId = blockKey(block, i);
    if (block.type !== "input") {
      form.append(renderBlocks([block], null));
      continue;
    }
    const field = inputElement(block.element, blockId);
    // an error goes away once the field is changed, as in Slack
    field.addEventListener("input", () => {
      const error = form.querySelector(`.field-error[data-error-for="${CSS.escape(blockId)}"]`);
      if (error) error.textContent = "";
    });
    form.append(
      el(
        "div.input-block",
        { dataset: { blockId, optional: block.optional ? "true" : "false" } },
        el("label", { for: field.id }, textObject(block.label), block.optional ? el("span.optional", { text: " (optional)" }) : null),
        field,
        block.hint ? el("p.hint", {}, textObject(block.hint)) : null,
        el("p.field-error", { dataset: { errorFor: blockId, testid: "field-error" } }),
      ),
    );
  }
  form.append(el("p.form-error.field-error", { dataset: { errorFor: "_" } }));
  const submit = el("button.primary", { type: "submit", dataset: { testid: "modal-submit" } }, textObject(v.submit ?? { type: "plain_text", text: "Submit" }));
  const cancel = el("button", { type: "button", dataset: { testid: "modal-cancel" }, on: { click: () => closeModal(top.id) } }, textObject(v.close ?? { type: "plain_text", text: "Cancel" }));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const values = {};
    const missing = {};
    for (const block of form.querySelectorAll(".input-block")) {
      const input = block.querySelector("[data-action-id]");
      if (!input) continue;
      const value = input.value.trim() === "" ? null : input.value;
      (values[input.dataset.blockId] ??= {})[input.dataset.actionId] = value;
      // Slack's client checks required fields itself, before the app hears anything
      if (value === null && block.dataset.optional !== "true") missing[input.dataset.blockId] = "Please complete this required field.";
    }
    if (Object.keys(missing).length) return showErrors(form, missing);
    submit.disabled = true;
    try {
      const answer = await api("/api/view", { user: ui.me, viewId: top.id, values });
      if (answer.ok) closeModal(null);
      else showErrors(form, answer.errors ?? {});
    } catch (err) {
      showErrors(form, { _: err.message });
    } finally {
      submit.disabled = false;
    }
  });
  form.append(el("footer.modal-footer", {}, cancel, submit));
  root.replaceChildren(
    el(
      "div.modal",
      { role: "dialog", "aria-modal": "true", dataset: { testid: "modal", viewId: top.id, callbackId: v.callback_id ?? "" } },
      el("header.modal-header", {}, el("h2", {}, textObject(v.title)), el("button.close", { type: "button", "aria-label": "Close", text: "×", on: { click: () => closeModal(top.id) } })),
      form,
    ),
  );
  root.hidden = false;
  form.querySelector("input, textarea, select")?.focus();
}

// ------------------------------------------------------------------ the whole page

let renderedChannel = null;
let renderedUser = null;

function render() {
  const snap = ui.snap;
  ui.me = snap.me;
  const visible = snap.channels.some((c) => c.id === ui.channel);
  if (!visible) ui.channel = (snap.channels.find((c) => c.name === "general") ?? snap.channels[0])?.id ?? null;
  const channelChanged = renderedChannel !== ui.channel || renderedUser !== ui.me;
  renderedChannel = ui.channel;
  renderedUser = ui.me;
  remember();
  document.title = `${displayName(ui.me)} · incident-bot local workspace`;
  renderPicker();
  renderOnCall();
  renderHeader();
  renderMessages(channelChanged);
  renderPins();
  renderChannelList();
  renderPostmortems();
  renderModal();
}

function openChannel(id) {
  ui.channel = id;
  render();
  $("message-box").focus();
}

$("user-picker").addEventListener("change", (e) => {
  ui.me = e.target.value;
  closeModal(null); // another person's screen: their modals, not these
  refresh().catch((err) => toast(err.message));
});

async function send() {
  const box = $("message-box");
  const text = box.value.trim();
  if (!text || !ui.channel) return;
  box.value = "";
  try {
    const answer = await api("/api/command", { user: ui.me, channel: ui.channel, text });
    if (answer.ok === false && answer.error === "dispatch_failed") toast("The bot did not accept that (see the server's log).");
  } catch (err) {
    box.value = text; // nothing was sent: give it back
    toast(err.message);
  }
}

$("composer").addEventListener("submit", (e) => {
  e.preventDefault();
  send();
});
$("message-box").addEventListener("keydown", (e) => {
  // Enter sends, Shift+Enter is a new line (as in Slack)
  if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
    e.preventDefault();
    send();
  }
});
document.addEventListener("keydown", (e) => {
  if (e.key === "Escape" && ui.shownView) closeModal(ui.snap.views.at(-1)?.id ?? null);
});

connect();
refresh().catch((err) => toast(err.message));
