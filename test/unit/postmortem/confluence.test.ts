import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { markdownToStorage } from "../../../src/postmortem/confluence-storage.ts";
import { renderPostmortem } from "../../../src/postmortem/draft/index.ts";
import { walkInput } from "./walk.ts";

const ALLOWED = new Set([
  "h1", "h2", "h3", "h4", "h5", "h6", "p", "br", "strong", "em", "code", "a", "ul", "ol", "li",
  "table", "tbody", "tr", "th", "td", "blockquote", "hr",
  "ac:structured-macro", "ac:parameter", "ac:plain-text-body", "ac:image", "ri:url",
]);
const ALLOWED_ATTRS = new Set(["href", "ac:name", "ac:alt", "ri:value"]);

/**
 * Checks that storage-format output is well-formed XML made only of the tags the converter may write:
 * every `<` opens an allowed tag or CDATA, every `&` starts an entity, tags nest, links are http(s)/mailto.
 */
function checkStorage(xml: string): void {
  const stack: string[] = [];
  const token = /<!\[CDATA\[[\s\S]*?\]\]>|<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<>]*")*)\s*(\/?)>|<|&(?:amp|lt|gt|quot|#\d+|#x[0-9a-fA-F]+);|&/g;
  for (let m = token.exec(xml); m; m = token.exec(xml)) {
    const t = m[0];
    if (t === "<") throw new Error(`stray < at ${m.index}: ${xml.slice(m.index, m.index + 40)}`);
    if (t === "&") throw new Error(`stray & at ${m.index}: ${xml.slice(m.index, m.index + 40)}`);
    if (t.startsWith("<![CDATA[") || t.startsWith("&")) continue;
    const [, close, name, attrs, selfClosing] = m;
    if (!ALLOWED.has(name)) throw new Error(`tag <${name}> is not allowed`);
    for (const a of attrs.matchAll(/([\w:-]+)="([^"]*)"/g)) {
      if (!ALLOWED_ATTRS.has(a[1])) throw new Error(`attribute ${a[1]} is not allowed`);
      if (a[1] === "href" && !/^(https?:\/\/|mailto:)/i.test(a[2])) throw new Error(`href ${a[2]}`);
    }
    if (selfClosing) continue;
    if (close) {
      const open = stack.pop();
      if (open !== name) throw new Error(`</${name}> closes <${open}>`);
    } else {
      stack.push(name);
    }
  }
  if (stack.length) throw new Error(`unclosed: ${stack.join(", ")}`);
  const invalid = xml.match(/[^\u0009\u000A\u000D\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u);
  if (invalid) throw new Error(`invalid XML character U+${invalid[0].charCodeAt(0).toString(16)}`);
}

describe("markdownToStorage", () => {
  it("headings, paragraphs, emphasis, code, hard breaks", () => {
    expect(markdownToStorage("# Title\n\n## Summary\n\nSome **bold**, _italic_, *also*, `a < b` text  \nnext line\nsame paragraph")).toBe(
      "<h1>Title</h1>\n<h2>Summary</h2>\n<p>Some <strong>bold</strong>, <em>italic</em>, <em>also</em>, <code>a &lt; b</code> text<br />next line same paragraph</p>",
    );
  });

  it("omits the title heading when asked", () => {
    expect(markdownToStorage("# INC-1: x\n\ntext", { omitTitle: true })).toBe("<p>text</p>");
  });

  it("lists, nested and numbered, with continuation lines", () => {
    expect(markdownToStorage("- one\n- **two:** a  \n  b\n  - nested\n\n1. first\n2. second")).toBe(
      "<ul><li>one</li><li><p><strong>two:</strong> a<br />b</p><ul><li>nested</li></ul></li></ul>\n<ol><li>first</li><li>second</li></ol>",
    );
  });

  it("tables, with escaped pipes inside cells", () => {
    expect(markdownToStorage("| Action | Owner |\n| --- | --- |\n| Fix \\| it | Dave |\n| only one |")).toBe(
      "<table><tbody><tr><th>Action</th><th>Owner</th></tr><tr><td>Fix | it</td><td>Dave</td></tr><tr><td>only one</td><td></td></tr></tbody></table>",
    );
  });

  it("blockquotes, links, rules, fenced code", () => {
    expect(markdownToStorage("> _Prompt: why?_\n\n[docs](https://x.example.com/a?b=1&c=2) <https://y.example.com>\n\n---\n\n```sql\nselect 1 where a < b ]]> c\n```")).toBe(
      [
        "<blockquote><p><em>Prompt: why?</em></p></blockquote>",
        '<p><a href="https://x.example.com/a?b=1&amp;c=2">docs</a> <a href="https://y.example.com">https://y.example.com</a></p>',
        "<hr />",
        '<ac:structured-macro ac:name="code"><ac:parameter ac:name="language">sql</ac:parameter><ac:plain-text-body><![CDATA[select 1 where a < b ]]]]><![CDATA[> c]]></ac:plain-text-body></ac:structured-macro>',
      ].join("\n"),
    );
  });

  it("escapes are undone and the text re-escaped for XML", () => {
    expect(markdownToStorage("\\*not bold\\* \\#x \\| &lt;script&gt; &amp; &#60;b&#62; a & b")).toBe("<p>*not bold* #x | &lt;script&gt; &amp; &lt;b&gt; a &amp; b</p>");
  });

  it("raw HTML and dangerous links come out as text", () => {
    const out = markdownToStorage('<script>alert(1)</script>\n\n<img src=x onerror="alert(1)">\n\n[x](javascript:alert(1)) [y](&#106;avascript:alert(1)) ![i](javascript:x) <javascript:alert(1)>');
    expect(out).toBe(
      '<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n<p>&lt;img src=x onerror="alert(1)"&gt;</p>\n<p>x y i &lt;javascript:alert(1)&gt;</p>',
    );
    checkStorage(out);
  });

  it("converts a rendered postmortem into well-formed storage with all its sections", () => {
    const out = markdownToStorage(renderPostmortem(walkInput()), { omitTitle: true });
    checkStorage(out);
    expect(out.match(/<h2>[^<]*<\/h2>/g)).toEqual([
      "<h2>Summary</h2>",
      "<h2>Impact</h2>",
      "<h2>Key times and durations</h2>",
      "<h2>Timeline</h2>",
      "<h2>Responders and roles</h2>",
      "<h2>Analysis</h2>",
      "<h2>Contributing factors</h2>",
      "<h2>Lessons learned</h2>",
      "<h2>Action items</h2>",
      "<h2>Related incidents</h2>",
      "<h2>Communications</h2>",
    ]);
    expect(out).toContain("<tr><td>Add a canary for the payments deploy</td><td>Dave</td><td>prevent</td><td>2026-03-01 10:40:00 UTC</td><td>—</td></tr>");
    expect(out).toContain('<a href="https://acme.slack.com/archives/C123">#inc-12-checkout-failing</a>');
    expect(out).toContain("<li>2026-03-01 10:05:00 UTC — Alice raised the severity from SEV3 to SEV1</li>");
  });

  it("property: any Markdown becomes well-formed storage with only allowed tags", () => {
    const md = fc.oneof(
      fc.string({ unit: "binary", maxLength: 200 }),
      fc
        .array(
          fc.constantFrom("# ", "## ", "\n", "\n\n", "- ", "1. ", "> ", "| a | b |\n| - | - |\n", "```\n", "~~~", "**", "*", "_", "`", "[", "](", ")", "(", "<", ">", "&", "&#0;", "&#xD800;", "&lt;", "\\", "https://x.example.com", "javascript:", "<!--", "-->", "]]>", "x", " ", "  \n", "---", "==="),
          { maxLength: 40 },
        )
        .map((p) => p.join("")),
    );
    fc.assert(
      fc.property(md, (text) => {
        checkStorage(markdownToStorage(text));
      }),
      { numRuns: 1000 },
    );
  });

  it("property: hostile incident text renders to storage without HTML injection", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 60 }), fc.constantFrom("<script>alert(1)</script>", '<a href="javascript:x">', "]]><script>", "<@U1ALICE> <https://e.example.com|e>"), (s, bad) => {
        const input = walkInput();
        input.incident = { ...input.incident, title: s + bad, description: bad + s };
        const out = markdownToStorage(renderPostmortem(input));
        checkStorage(out);
        expect(out).not.toContain("<script");
      }),
      { numRuns: 200 },
    );
  });

  // How fast is measured by scripts/bench-postmortem.ts (numbers, not a timed test).
  it("converts a large document whole", () => {
    const md = Array.from({ length: 20_000 }, (_, k) => `- line ${k} with **bold** and *${"*".repeat(k % 5)} and [x](https://e.example.com/${k})`).join("\n");
    const out = markdownToStorage(md);
    expect(out.match(/<li>/g)).toHaveLength(20_000);
  });
});
