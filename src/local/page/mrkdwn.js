// Slack's mrkdwn as DOM nodes: ```code blocks```, > quotes, line breaks, `code`, *bold*, _italic_,
// ~strike~, :emoji:, and <…> entities (mentions, channel links, dates, links); and Block Kit text
// objects (mrkdwn or plain_text). All of it is built from text nodes: the text comes from people.
import { el } from "./dom.js";
import { emoji, withEmoji } from "./emoji.js";
import { openChannel, ui, usersById } from "./state.js";

/** Slack escapes exactly these three in message text. */
export const unescapeSlack = (text) => text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");

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
export function mrkdwn(text) {
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
export function textObject(t) {
  if (!t) return document.createTextNode("");
  if (t.type === "mrkdwn") return mrkdwn(t.text);
  if (t.emoji === false) return document.createTextNode(t.text ?? "");
  const frag = document.createDocumentFragment();
  frag.append(...withEmoji(t.text ?? ""));
  return frag;
}
