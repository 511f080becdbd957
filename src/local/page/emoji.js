// Emoji: the :shortcodes: the bot uses drawn as small inline SVGs, so they show without an emoji
// font (a headless browser on a server has none); other known ones fall back to the Unicode
// character, unknown ones stay as typed.

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
export function emoji(name, literal) {
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
export function withEmoji(text) {
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
