// Modals: the top view the bot opened for this person, drawn as a form (input blocks as fields,
// other blocks as in messages); required fields are checked here first, as Slack's client does,
// then the values go to /api/view and the bot's errors are shown next to their fields.
import { blockKey, renderBlocks } from "./blocks.js";
import { api } from "./client.js";
import { $, el, toast } from "./dom.js";
import { textObject } from "./mrkdwn.js";
import { people, ui } from "./state.js";

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
    case "checkboxes": {
      const box = el("div.checkboxes", common);
      for (const o of element.options ?? []) {
        const checked = (element.initial_options ?? []).some((i) => i.value === o.value);
        box.append(el("label.checkbox", {}, el("input", { type: "checkbox", value: o.value, checked }), textObject(o.text)));
      }
      return box;
    }
    default:
      return el("p.unsupported", { text: `(${element.type} fields are not shown in the local workspace)` });
  }
}

export function closeModal(viewId) {
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

export function renderModal() {
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
      let value;
      if (input.dataset.type === "checkboxes") {
        const checked = [...input.querySelectorAll("input:checked")].map((box) => box.value);
        value = checked.length ? checked : null;
      } else value = input.value.trim() === "" ? null : input.value;
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
