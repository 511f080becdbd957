// The postmortems panel: the drafts the bot exported to its folder, newest first, each in a
// <details> that stays open across redraws.
import { $, el } from "./dom.js";
import { ui } from "./state.js";

export function renderPostmortems() {
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
