// Markdown for postmortems: user text (titles, notes, updates, action texts) escaped so it can never
// change the document's structure, and Slack markup turned into readable Markdown. Pure.
//
// Rules: every Markdown special character is backslash-escaped; `<` and `>` become `&lt;`/`&gt;`, so
// the output never holds a raw `<` (no HTML, no autolinks); a line can never start a list, heading,
// quote, fence or setext underline; inline text never holds a newline (" / " joins the lines).

export type UserNames = Readonly<Record<string, string>>;

// Everything CommonMark or Slack could read as a line ending becomes "\n"; tabs become spaces (a
// leading tab would start a code block); other control characters are dropped.
const LINE_ENDINGS = /\r\n?|[\u0085\u2028\u2029]/g;
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;

export function normalizeText(text: string): string {
  return text.replace(LINE_ENDINGS, "\n").replace(/\t/g, " ").replace(CONTROL, "");
}

// `!` too: user text ending in `!` right before a link the draft makes must not turn it into an image.
const SPECIAL = /[\\`*_[\]#|~<>!]/g;

/** Escapes Markdown's special characters; no Slack markup handling, no line-start handling. */
export function escapePlain(text: string): string {
  return text.replace(SPECIAL, (c) => (c === "<" ? "&lt;" : c === ">" ? "&gt;" : `\\${c}`));
}

/** Escapes what would start a block (list, setext underline) at the beginning of a line. */
function escapeLineStart(line: string): string {
  const m = /^(\d{1,9})([.)])/.exec(line);
  if (m) return `${m[1]}\\${m[2]}${line.slice(m[0].length)}`;
  return /^[-+=]/.test(line) ? `\\${line}` : line;
}

const isHttpUrl = (u: URL): boolean => u.protocol === "http:" || u.protocol === "https:";

/** An http(s) URL safe as a Markdown link destination (also inside a table cell), or null. */
export function safeHref(raw: string): string | null {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return null;
  }
  if (!isHttpUrl(url)) return null;
  return url.href.replace(/[()<>|\\\s"'`]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`);
}

/** A Markdown link with escaped text, or the escaped text alone when the URL is not http(s). */
export function link(text: string, href: string | null | undefined): string {
  const safe = href ? safeHref(href) : null;
  const label = inlineText(text);
  return safe ? `[${label || escapePlain(safe)}](${safe})` : label;
}

const hasName = (users: UserNames | undefined, id: string): boolean =>
  !!users && Object.hasOwn(users, id) && typeof users[id] === "string" && users[id].trim() !== "";

/** A person, by display name when known, else `@U123`; escaped, one line. */
export function who(id: string | null | undefined, users?: UserNames): string {
  if (!id) return "_unassigned_";
  return hasName(users, id) ? inlineText(users![id]) : inlineText(`@${id}`);
}

const decodeSlackUrl = (s: string): string => s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");

/** Markdown for one `<…>` Slack token (without the brackets), or null when it is not Slack markup. */
function slackToken(inner: string, users: UserNames | undefined): string | null {
  const bar = inner.indexOf("|");
  const head = bar < 0 ? inner : inner.slice(0, bar);
  const label = bar < 0 ? "" : inner.slice(bar + 1).trim();
  if (/^@[A-Za-z0-9]+$/.test(head)) {
    const id = head.slice(1);
    if (hasName(users, id)) return escapePlain(users![id].replace(/\s+/g, " ").trim());
    return escapePlain(label ? (label.startsWith("@") ? label : `@${label}`) : `@${id}`);
  }
  if (/^#[A-Za-z0-9]+$/.test(head)) return escapePlain(`#${label ? label.replace(/^#/, "") : head.slice(1)}`);
  if (/^![a-z]+$/.test(head)) return escapePlain(label || `@${head.slice(1)}`);
  if (/^!subteam\^[A-Za-z0-9]+$/.test(head)) return escapePlain(label || `@${head.slice("!subteam^".length)}`);
  if (/^!date\^/.test(head)) return label ? escapePlain(label) : null;
  if (/^https?:\/\//i.test(head)) {
    const href = safeHref(decodeSlackUrl(head));
    if (!href) return null;
    return `[${label ? escapePlain(label) : escapePlain(decodeSlackUrl(head))}](${href})`;
  }
  // Other links (mailto:, ftp:, javascript:…) are never links here: their label, or the text.
  if (/^(mailto|tel):/i.test(head)) return escapePlain(label || head.replace(/^[a-z]+:/i, ""));
  if (/^[a-z][a-z0-9+.-]*:\S/i.test(head)) return escapePlain(label || head);
  return null;
}

/** One line of user text: Slack markup rendered, everything else escaped. */
function renderLine(line: string, users: UserNames | undefined): string {
  const parts: string[] = [];
  const token = /<([^<>]*)>/g;
  let last = 0;
  for (let m = token.exec(line); m; m = token.exec(line)) {
    const md = slackToken(m[1], users);
    if (md === null) continue;
    if (m.index > last) parts.push(escapePlain(line.slice(last, m.index)));
    parts.push(md);
    last = m.index + m[0].length;
  }
  if (last < line.length) parts.push(escapePlain(line.slice(last)));
  return escapeLineStart(parts.join(""));
}

const lines = (text: string): string[] =>
  normalizeText(text)
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "");

/** User text for one line (a heading, list item or table cell): lines joined with " / ". */
export function inlineText(text: string | null | undefined, users?: UserNames): string {
  if (!text) return "";
  return lines(text)
    .map((l) => renderLine(l, users))
    .join(" / ");
}

/**
 * User text over several lines, each kept as a hard line break. `indent` is put before every line but
 * the first (a list item's continuation), so the text stays inside its container.
 */
export function blockText(text: string | null | undefined, users?: UserNames, indent = ""): string {
  if (!text) return "";
  return lines(text)
    .map((l) => renderLine(l, users))
    .join(`  \n${indent}`);
}
