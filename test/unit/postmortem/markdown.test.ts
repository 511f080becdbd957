import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { blockText, escapePlain, inlineText, link, safeHref, who } from "../../../src/postmortem/markdown.ts";

const users = { U1: "Alice", U2: "Bob *the* Builder", constructor: "" };

/** What a CommonMark reader sees: backslash escapes removed, &lt; / &gt; decoded. */
const unescape = (s: string): string =>
  s
    .replace(/\\([!-/:-@[-`{-~])/g, "$1")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">");

describe("escaping", () => {
  it("escapes every Markdown special character and never leaves a raw <", () => {
    expect(escapePlain("a\\b `c` *d* _e_ [f] #g |h| ~i~ <j>")).toBe("a\\\\b \\`c\\` \\*d\\* \\_e\\_ \\[f\\] \\#g \\|h\\| \\~i\\~ &lt;j&gt;");
  });

  it("escapes what would start a list, heading, quote or setext underline", () => {
    expect(inlineText("- item")).toBe("\\- item");
    expect(inlineText("+ item")).toBe("\\+ item");
    expect(inlineText("12. item")).toBe("12\\. item");
    expect(inlineText("3) item")).toBe("3\\) item");
    expect(inlineText("===")).toBe("\\===");
    expect(inlineText("# x")).toBe("\\# x");
    expect(inlineText("> x")).toBe("&gt; x");
    expect(inlineText("a - b 1. c")).toBe("a - b 1. c");
  });

  it("keeps inline text on one line, whatever the line endings", () => {
    expect(inlineText("one\r\ntwo\rthree\u2028four\u0085five\n\n  six  ")).toBe("one / two / three / four / five / six");
    expect(inlineText("a\tb\u0000c\u001bd")).toBe("a bcd");
    expect(inlineText(null)).toBe("");
  });

  it("block text: one hard break per line, each line escaped, continuation indented", () => {
    expect(blockText("a\n- b\n\n    c", undefined, "  ")).toBe("a  \n  \\- b  \n  c");
  });

  it("property: a reader sees the original text (lines joined with ' / ')", () => {
    const text = fc.string({ unit: "binary", maxLength: 80 }).filter((s) => !s.includes("<") && !s.includes("&"));
    fc.assert(
      fc.property(text, (s) => {
        const expected = s
          .replace(/\r\n?|[\u0085\u2028\u2029]/g, "\n")
          .replace(/\t/g, " ")
          .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, "")
          .split("\n")
          .map((l) => l.trim())
          .filter(Boolean)
          .join(" / ");
        const out = inlineText(s);
        expect(out).not.toMatch(/[\n\r]/);
        expect(unescape(out)).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });
});

describe("Slack markup", () => {
  it("users: display name when known, else the label or @id", () => {
    expect(inlineText("ping <@U1> and <@U2> and <@U3|carol> and <@U4>", users)).toBe("ping Alice and Bob \\*the\\* Builder and @carol and @U4");
    // Not fooled by Object.prototype.
    expect(inlineText("<@constructor>", users)).toBe("@constructor");
    expect(who("U1", users)).toBe("Alice");
    expect(who("U9", users)).toBe("@U9");
    expect(who(null, users)).toBe("_unassigned_");
  });

  it("channels, special mentions, user groups, dates", () => {
    expect(inlineText("<#C1|ops> <#C2> <!here> <!channel> <!subteam^S1|@oncall> <!date^1700000000^{date}|Nov 14>")).toBe("\\#ops \\#C2 @here @channel @oncall Nov 14");
  });

  it("links: Markdown links only for http(s) URLs", () => {
    expect(inlineText("see <https://x.example.com/a?b=1&amp;c=2|the *docs*>")).toBe("see [the \\*docs\\*](https://x.example.com/a?b=1&c=2)");
    expect(inlineText("<https://x.example.com/p(1)>")).toBe("[https://x.example.com/p(1)](https://x.example.com/p%281%29)");
    expect(inlineText("<javascript:alert(1)|click>")).toBe("click");
    expect(inlineText("<mailto:a@example.com|mail us>")).toBe("mail us");
    expect(inlineText("<script>alert(1)</script>")).toBe("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(inlineText("<https://exa mple.com|x>")).toBe("&lt;https://exa mple.com\\|x&gt;");
  });

  it("a line that starts with markup is still escaped at its start", () => {
    expect(inlineText("<@U5> did it", { U5: "- Eve" })).toBe("\\- Eve did it");
  });

  it("safe hrefs: http(s) only, with what could end the link or a table cell encoded", () => {
    expect(safeHref("javascript:alert(1)")).toBeNull();
    expect(safeHref("data:text/html,<script>")).toBeNull();
    expect(safeHref("not a url")).toBeNull();
    expect(safeHref("https://x.example.com/a|b (c)")).toBe("https://x.example.com/a%7Cb%20%28c%29");
    expect(link("INC-7 | x", "https://w.example.com/7")).toBe("[INC-7 \\| x](https://w.example.com/7)");
    expect(link("INC-7", "javascript:x")).toBe("INC-7");
  });
});

describe("images", () => {
  // An image starts with an unescaped `![`; `\![` is a `!` followed by a link.
  const image = /(?<!\\)!\[/;
  it("a `!` typed before a link (or before a link the draft makes) never makes an image", () => {
    expect(inlineText("Look![pixel](https://evil.example.com/p.png)")).not.toMatch(image);
    expect(inlineText("Look!<https://evil.example.com/p.png|pixel>")).not.toMatch(image);
    const line = `${inlineText("Down again!")}${link("INC-3", "https://wiki.example.com/inc-3")}`;
    expect(line).toBe("Down again\\![INC-3](https://wiki.example.com/inc-3)");
    expect(line).not.toMatch(image);
  });
});
