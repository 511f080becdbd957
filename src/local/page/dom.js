// DOM helpers for the page's modules: el() builds an element from a tag spec, properties and
// children (text goes in as text nodes, never as HTML), $() finds one by id, and toast() shows a
// short message at the bottom of the page.

/** el("li.message.bot", {dataset: {ts}}, child, "text", …) */
export function el(spec, props = {}, ...children) {
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

export const $ = (id) => document.getElementById(id);

let toastTimer = null;
export function toast(text) {
  const t = $("toast");
  t.textContent = text;
  t.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (t.hidden = true), 6000);
}
