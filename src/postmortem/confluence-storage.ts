// Markdown (as the postmortem renderer writes it, plus what a template author is likely to use) to
// Confluence storage format (XHTML). Pure. Handles headings, paragraphs, hard breaks, bullet and
// numbered lists (nested by indentation), GFM tables, blockquotes, fenced code, rules, links, images,
// bold, italic and code spans. Everything else is text: every character that reaches the output
// outside the tags written here is XML-escaped, links are kept only for http(s) and mailto URLs, and
// raw HTML in the Markdown comes out as visible text, never as markup.

export interface StorageOptions {
  /** Drop the document's first heading when it is a level-1 heading (Confluence shows the page title). */
  omitTitle?: boolean;
}

// Characters XML 1.0 does not allow (C0 controls but tab/newline, lone surrogates, U+FFFE/FFFF).
const NOT_XML = /[^\u0009\u000A\u000D\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

export const escapeXml = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const escapeAttr = (s: string): string => escapeXml(s).replace(/"/g, "&quot;");

const NAMED: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: "\u00a0",
  ndash: "–",
  mdash: "—",
  hellip: "…",
  copy: "©",
  reg: "®",
  trade: "™",
  laquo: "«",
  raquo: "»",
  lsquo: "‘",
  rsquo: "’",
  ldquo: "“",
  rdquo: "”",
  bull: "•",
  middot: "·",
  times: "×",
  rarr: "→",
  larr: "←",
};

const ASCII_PUNCT = /[!-/:-@[-`{-~]/;

function decodeEntity(body: string): string | null {
  if (body[0] === "#") {
    const cp = body[1] === "x" || body[1] === "X" ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
    if (!Number.isFinite(cp) || cp <= 0 || cp > 0x10ffff) return "\ufffd";
    const ch = String.fromCodePoint(cp);
    return ch.replace(NOT_XML, "\ufffd");
  }
  return Object.hasOwn(NAMED, body) ? NAMED[body] : null;
}

/** Removes backslash escapes and decodes entities: the text a reader would see. */
function plain(s: string): string {
  return s
    .replace(/\\([!-/:-@[-`{-~])/g, "$1")
    .replace(/&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});/g, (whole, body: string) => decodeEntity(body) ?? whole);
}

/** An href worth keeping (http, https, mailto), attribute-escaped; null for anything else. */
function safeLink(raw: string): string | null {
  const url = plain(raw.trim());
  if (!/^(https?:\/\/|mailto:)/i.test(url)) return null;
  try {
    new URL(url);
  } catch {
    return null;
  }
  if (/[\s<>"]/.test(url)) return null;
  return escapeAttr(url);
}

// ---------------------------------------------------------------------------------------------
// Inline

interface InlineState {
  /** Delimiters known to have no closer further on: later openers are literal (keeps it linear). */
  noCloser: Set<string>;
}

/** Length of the run of `ch` starting at i. */
function runLength(s: string, i: number, ch: string): number {
  let j = i;
  while (s[j] === ch) j++;
  return j - i;
}

/** Index of the code span's closing backtick run of exactly n, or -1. */
function codeSpanEnd(s: string, from: number, n: number): number {
  let j = s.indexOf("`", from);
  while (j >= 0) {
    const len = runLength(s, j, "`");
    if (len === n) return j;
    j = s.indexOf("`", j + len);
  }
  return -1;
}

/** Where the delimiter `delim` closes, skipping escapes and code spans; -1 when it does not. */
function findCloser(s: string, from: number, delim: string): number {
  const ch = delim[0];
  for (let j = from; j < s.length; j++) {
    const c = s[j];
    if (c === "\\") {
      j++;
      continue;
    }
    if (c === "`") {
      const n = runLength(s, j, "`");
      const end = codeSpanEnd(s, j + n, n);
      j = end < 0 ? j + n - 1 : end + n - 1;
      continue;
    }
    if (c !== ch) continue;
    const n = runLength(s, j, ch);
    if (n === delim.length || (delim.length === 1 && n === 3) || (delim.length === 2 && n === 3)) {
      const before = s[j - 1];
      const after = s[j + n];
      const rightFlanking = before !== undefined && !/\s/.test(before);
      const intraword = ch === "_" && after !== undefined && /[\p{L}\p{N}]/u.test(after);
      if (rightFlanking && !intraword && j > from) return delim.length === 1 && n === 3 ? j + 2 : j;
    }
    j += n - 1;
  }
  return -1;
}

/** Index of the `]` matching the `[` at i, or -1. */
function closingBracket(s: string, i: number): number {
  let depth = 0;
  for (let j = i; j < s.length; j++) {
    const c = s[j];
    if (c === "\\") {
      j++;
    } else if (c === "`") {
      const n = runLength(s, j, "`");
      const end = codeSpanEnd(s, j + n, n);
      j = end < 0 ? j + n - 1 : end + n - 1;
    } else if (c === "[") {
      depth++;
    } else if (c === "]") {
      depth--;
      if (depth === 0) return j;
    }
  }
  return -1;
}

/** Parses `(dest "title")` at i; returns the destination and the index after `)`. */
function linkDestination(s: string, i: number): { dest: string; end: number } | null {
  if (s[i] !== "(") return null;
  let j = i + 1;
  while (s[j] === " ") j++;
  let dest = "";
  if (s[j] === "<") {
    const close = s.indexOf(">", j);
    if (close < 0) return null;
    dest = s.slice(j + 1, close);
    j = close + 1;
  } else {
    let depth = 0;
    const start = j;
    for (; j < s.length; j++) {
      const c = s[j];
      if (c === "\\") {
        j++;
        continue;
      }
      if (c === " " || c === "\n") break;
      if (c === "(") depth++;
      if (c === ")") {
        if (depth === 0) break;
        depth--;
      }
    }
    dest = s.slice(start, j);
  }
  while (s[j] === " " || s[j] === "\n") j++;
  if (s[j] === '"' || s[j] === "'") {
    const close = s.indexOf(s[j], j + 1);
    if (close < 0) return null;
    j = close + 1;
    while (s[j] === " ") j++;
  }
  if (s[j] !== ")") return null;
  return { dest, end: j + 1 };
}

function inline(s: string, state: InlineState = { noCloser: new Set() }, inLink = false): string {
  const out: string[] = [];
  let text = "";
  const flush = () => {
    if (text) out.push(escapeXml(text));
    text = "";
  };
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c === "\\") {
      const next = s[i + 1];
      if (next !== undefined && ASCII_PUNCT.test(next)) {
        text += next;
        i += 2;
      } else if (next === "\n") {
        flush();
        out.push("<br />");
        i += 2;
      } else {
        text += c;
        i++;
      }
      continue;
    }
    if (c === "\n") {
      if (/ {2,}$/.test(text)) {
        text = text.replace(/ +$/, "");
        flush();
        out.push("<br />");
      } else {
        text = text.replace(/ +$/, "") + " ";
      }
      i++;
      while (s[i] === " ") i++;
      continue;
    }
    if (c === "&") {
      const m = /^&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});/.exec(s.slice(i, i + 40));
      const decoded = m ? decodeEntity(m[1]) : null;
      if (m && decoded !== null) {
        text += decoded;
        i += m[0].length;
      } else {
        text += c;
        i++;
      }
      continue;
    }
    if (c === "`") {
      const n = runLength(s, i, "`");
      const end = codeSpanEnd(s, i + n, n);
      if (end < 0) {
        text += s.slice(i, i + n);
        i += n;
        continue;
      }
      let code = s.slice(i + n, end).replace(/\n/g, " ");
      if (code.length > 1 && code.startsWith(" ") && code.endsWith(" ") && code.trim() !== "") code = code.slice(1, -1);
      flush();
      out.push(`<code>${escapeXml(code)}</code>`);
      i = end + n;
      continue;
    }
    if (c === "*" || c === "_") {
      const n = runLength(s, i, c);
      const after = s[i + n];
      const before = s[i - 1];
      const leftFlanking = after !== undefined && !/\s/.test(after);
      const intraword = c === "_" && before !== undefined && /[\p{L}\p{N}]/u.test(before);
      const delim = n >= 2 ? c + c : c;
      if (leftFlanking && !intraword && !state.noCloser.has(delim)) {
        const close = findCloser(s, i + delim.length, delim);
        if (close < 0) {
          state.noCloser.add(delim);
        } else {
          flush();
          const tag = delim.length === 2 ? "strong" : "em";
          out.push(`<${tag}>${inline(s.slice(i + delim.length, close), state, inLink)}</${tag}>`);
          i = close + delim.length;
          continue;
        }
      }
      text += s.slice(i, i + n);
      i += n;
      continue;
    }
    if ((c === "[" || (c === "!" && s[i + 1] === "[")) && !inLink) {
      const image = c === "!";
      const open = image ? i + 1 : i;
      const close = closingBracket(s, open);
      const target = close >= 0 ? linkDestination(s, close + 1) : null;
      if (target) {
        const label = s.slice(open + 1, close);
        const href = safeLink(target.dest);
        flush();
        if (image) {
          out.push(href && /^https?:/i.test(href) ? `<ac:image ac:alt="${escapeAttr(plain(label))}"><ri:url ri:value="${href}" /></ac:image>` : escapeXml(plain(label)));
        } else {
          const body = inline(label, state, true);
          out.push(href ? `<a href="${href}">${body}</a>` : body);
        }
        i = target.end;
        continue;
      }
      text += c;
      i++;
      continue;
    }
    if (c === "<" && !inLink) {
      const m = /^<((?:https?:\/\/|mailto:)[^\s<>]*)>/i.exec(s.slice(i, i + 2048));
      const href = m ? safeLink(m[1]) : null;
      if (m && href) {
        flush();
        out.push(`<a href="${href}">${escapeXml(m[1])}</a>`);
        i += m[0].length;
        continue;
      }
    }
    text += c;
    i++;
  }
  flush();
  return out.join("");
}

// ---------------------------------------------------------------------------------------------
// Blocks

const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([^`\s]*)[^`]*$/;
const HEADING = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const RULE = /^ {0,3}(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})$/;
const QUOTE = /^ {0,3}> ?/;
const LIST_ITEM = /^( {0,3})([-+*]|\d{1,9}[.)])(?:( {1,4})(.*)|[ \t]*)$/;
const TABLE_DELIMITER = /^ {0,3}\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?\s*$/;
const SETEXT = /^ {0,3}(=+|-+)[ \t]*$/;

const isBlank = (line: string): boolean => line.trim() === "";

function splitCells(row: string): string[] {
  let r = row.trim();
  if (r.startsWith("|")) r = r.slice(1);
  if (r.endsWith("|") && !r.endsWith("\\|")) r = r.slice(0, -1);
  const cells: string[] = [];
  let cell = "";
  for (let j = 0; j < r.length; j++) {
    if (r[j] === "\\" && r[j + 1] === "|") {
      cell += "\\|";
      j++;
    } else if (r[j] === "|") {
      cells.push(cell);
      cell = "";
    } else {
      cell += r[j];
    }
  }
  cells.push(cell);
  return cells.map((c) => c.trim());
}

/** Does this line start a block other than a paragraph (so it ends a paragraph)? */
function interrupts(line: string): boolean {
  if (HEADING.test(line) || FENCE.test(line) || QUOTE.test(line) || RULE.test(line)) return true;
  const m = LIST_ITEM.exec(line);
  return !!m && m[4] !== undefined && m[4].trim() !== "" && (/^[-+*]$/.test(m[2]) || /^1[.)]$/.test(m[2]));
}

function codeMacro(language: string, body: string): string {
  const lang = /^[A-Za-z0-9_+#.-]{1,30}$/.test(language) ? `<ac:parameter ac:name="language">${escapeXml(language)}</ac:parameter>` : "";
  const cdata = body.replace(/]]>/g, "]]]]><![CDATA[>");
  return `<ac:structured-macro ac:name="code">${lang}<ac:plain-text-body><![CDATA[${cdata}]]></ac:plain-text-body></ac:structured-macro>`;
}

function blocks(lines: string[]): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (isBlank(line)) {
      i++;
      continue;
    }
    const fence = FENCE.exec(line);
    if (fence) {
      const marker = fence[1];
      const indent = line.length - line.trimStart().length;
      const body: string[] = [];
      i++;
      while (i < lines.length && !new RegExp(`^ {0,3}${marker[0] === "`" ? "`" : "~"}{${marker.length},}\\s*$`).test(lines[i])) {
        body.push(lines[i].replace(new RegExp(`^ {0,${indent}}`), ""));
        i++;
      }
      i++; // the closing fence (or the end)
      out.push(codeMacro(fence[2], body.join("\n")));
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      const level = heading[1].length;
      out.push(`<h${level}>${inline((heading[2] ?? "").trim())}</h${level}>`);
      i++;
      continue;
    }
    if (RULE.test(line)) {
      out.push("<hr />");
      i++;
      continue;
    }
    if (QUOTE.test(line)) {
      const inner: string[] = [];
      while (i < lines.length && QUOTE.test(lines[i])) {
        inner.push(lines[i].replace(QUOTE, ""));
        i++;
      }
      out.push(`<blockquote>${blocks(inner).join("")}</blockquote>`);
      continue;
    }
    if (line.includes("|") && i + 1 < lines.length && TABLE_DELIMITER.test(lines[i + 1]) && splitCells(lines[i + 1]).length === splitCells(line).length) {
      const header = splitCells(line);
      const rows: string[][] = [];
      i += 2;
      while (i < lines.length && !isBlank(lines[i]) && lines[i].includes("|") && !interrupts(lines[i])) {
        rows.push(splitCells(lines[i]));
        i++;
      }
      const width = header.length;
      const cells = (row: string[], tag: string) => {
        const padded = row.slice(0, width);
        while (padded.length < width) padded.push("");
        return `<tr>${padded.map((c) => `<${tag}>${inline(c)}</${tag}>`).join("")}</tr>`;
      };
      out.push(`<table><tbody>${cells(header, "th")}${rows.map((r) => cells(r, "td")).join("")}</tbody></table>`);
      continue;
    }
    const item = LIST_ITEM.exec(line);
    if (item) {
      const ordered = /\d/.test(item[2]);
      const bullet = item[2].replace(/\d+/, "");
      const items: string[][] = [];
      while (i < lines.length) {
        const m = LIST_ITEM.exec(lines[i]);
        if (!m || /\d/.test(m[2]) !== ordered || m[2].replace(/\d+/, "") !== bullet || m[1].length > 3) break;
        const contentIndent = m[1].length + m[2].length + (m[3]?.length ?? 1);
        const body: string[] = [m[4] ?? ""];
        i++;
        while (i < lines.length) {
          const next = lines[i];
          if (isBlank(next)) {
            // A blank line continues the item only when indented content follows.
            let k = i;
            while (k < lines.length && isBlank(lines[k])) k++;
            if (k < lines.length && lines[k].length - lines[k].trimStart().length >= contentIndent) {
              for (; i < k; i++) body.push("");
              continue;
            }
            break;
          }
          const indent = next.length - next.trimStart().length;
          if (indent >= contentIndent) {
            body.push(next.slice(contentIndent));
            i++;
            continue;
          }
          // Lazy continuation of the item's paragraph.
          if (!interrupts(next) && !isBlank(body[body.length - 1] ?? "") && !LIST_ITEM.test(next)) {
            body.push(next);
            i++;
            continue;
          }
          break;
        }
        items.push(body);
        while (i < lines.length && isBlank(lines[i])) {
          let k = i;
          while (k < lines.length && isBlank(lines[k])) k++;
          const m2 = k < lines.length ? LIST_ITEM.exec(lines[k]) : null;
          if (m2 && /\d/.test(m2[2]) === ordered && m2[2].replace(/\d+/, "") === bullet) i = k;
          else break;
        }
      }
      const tag = ordered ? "ol" : "ul";
      const lis = items.map((body) => {
        const inner = blocks(body);
        const single = inner.length === 1 && inner[0].startsWith("<p>") ? inner[0].slice(3, -4) : inner.join("");
        return `<li>${single}</li>`;
      });
      out.push(`<${tag}>${lis.join("")}</${tag}>`);
      continue;
    }
    // A paragraph: lines until a blank line or another block; a setext underline makes it a heading.
    const para: string[] = [line.trimStart()];
    i++;
    let setext = 0;
    while (i < lines.length && !isBlank(lines[i])) {
      const s = SETEXT.exec(lines[i]);
      if (s) {
        setext = s[1][0] === "=" ? 1 : 2;
        i++;
        break;
      }
      if (interrupts(lines[i])) break;
      para.push(lines[i].replace(/^ +/, ""));
      i++;
    }
    const body = inline(para.join("\n").replace(/[ ]+$/, ""));
    out.push(setext ? `<h${setext}>${body}</h${setext}>` : `<p>${body}</p>`);
  }
  return out;
}

/** Converts Markdown to Confluence storage format. */
export function markdownToStorage(markdown: string, opts: StorageOptions = {}): string {
  const text = markdown
    .replace(NOT_XML, "")
    .replace(/\r\n?/g, "\n")
    .replace(/\t/g, "    ")
    .replace(/<!--[\s\S]*?-->/g, "");
  const out = blocks(text.split("\n"));
  if (opts.omitTitle && out[0]?.startsWith("<h1>")) out.shift();
  return out.join("\n");
}
