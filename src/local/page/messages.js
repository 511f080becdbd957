// The open channel: its header (name, topic, the message box's placeholder), the pinned bar,
// and the messages — keyed by ts, so an edited card is redrawn in place — with their Block Kit
// buttons and menus wired to /api/action.
import { renderBlocks } from "./blocks.js";
import { api } from "./client.js";
import { $, el } from "./dom.js";
import { emoji, withEmoji } from "./emoji.js";
import { mrkdwn, unescapeSlack } from "./mrkdwn.js";
import { displayName, ui } from "./state.js";

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
export function renderMessages(channelChanged) {
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

export function renderPins() {
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

export function renderHeader() {
  const c = ui.snap.channels.find((x) => x.id === ui.channel);
  $("channel-title").textContent = c ? (c.kind === "dm" ? c.name : `# ${c.name}`) : "";
  $("channel-topic").textContent = c ? [c.topic, c.isArchived ? "(archived)" : "", c.kind !== "dm" && !c.isMember ? "(you are not a member)" : ""].filter(Boolean).join(" ") : "";
  $("message-box").placeholder = c ? `Message ${c.kind === "dm" ? c.name : `#${c.name}`}` : "";
}
