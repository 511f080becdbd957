// Block Kit blocks as DOM: headers, sections with fields and accessories, context, dividers,
// actions with buttons and menus, images as their alt text. `act` sends a click or a choice to
// the server (null where clicks go nowhere: answers, modals).
import { el, toast } from "./dom.js";
import { textObject } from "./mrkdwn.js";

export const blockKey = (block, i) => (typeof block.block_id === "string" ? block.block_id : `#${i}`);

/** A button or menu in a message; `act` is null where clicks go nowhere (answers, modals). */
function interactive(element, blockId, act) {
  if (element.type === "button") {
    const b = el(`button.block-button${element.style ? `.${element.style}` : ""}`, {
      type: "button",
      dataset: { actionId: element.action_id, blockId },
      disabled: !act,
    }, textObject(element.text));
    if (act) {
      b.addEventListener("click", async () => {
        b.disabled = true;
        b.setAttribute("aria-busy", "true");
        try {
          await act({ blockId, actionId: element.action_id });
        } catch (err) {
          toast(err.message);
        } finally {
          b.disabled = false;
          b.removeAttribute("aria-busy");
        }
      });
    }
    return b;
  }
  if (element.type === "static_select") {
    const select = el("select.block-select", { dataset: { actionId: element.action_id, blockId }, disabled: !act });
    select.append(el("option", { value: "", text: element.placeholder?.text ?? "Choose…", disabled: true, selected: !element.initial_option }));
    for (const o of element.options ?? []) select.append(el("option", { value: o.value, text: o.text?.text ?? o.value, selected: element.initial_option?.value === o.value }));
    if (act) {
      select.addEventListener("change", () => act({ blockId, actionId: element.action_id, selectedValue: select.value }).catch((err) => toast(err.message)));
    }
    return select;
  }
  if (element.type === "image") return el("span.image-alt", { text: `[${element.alt_text ?? "image"}]` });
  return el("span.unsupported", { text: `(${element.type})` });
}

export function renderBlocks(blocks, act) {
  const box = el("div.blocks");
  blocks.forEach((block, i) => {
    const key = blockKey(block, i);
    switch (block.type) {
      case "header":
        box.append(el("h3.block-header", { dataset: { blockId: key } }, textObject(block.text)));
        break;
      case "section": {
        const s = el("div.block-section", { dataset: { blockId: key } });
        const main = el("div.section-main");
        if (block.text) main.append(el("div.section-text", {}, textObject(block.text)));
        if (Array.isArray(block.fields)) main.append(el("div.fields", {}, block.fields.map((f) => el("div.field", {}, textObject(f)))));
        s.append(main);
        if (block.accessory) s.append(el("div.accessory", {}, interactive(block.accessory, key, act)));
        box.append(s);
        break;
      }
      case "context":
        box.append(el("div.block-context", { dataset: { blockId: key } }, (block.elements ?? []).map((e) => (e.type === "image" ? el("span.image-alt", { text: `[${e.alt_text ?? "image"}]` }) : el("span", {}, textObject(e))))));
        break;
      case "divider":
        box.append(el("hr.block-divider"));
        break;
      case "actions":
        box.append(el("div.block-actions", { dataset: { blockId: key } }, (block.elements ?? []).map((e) => interactive(e, key, act))));
        break;
      case "image":
        box.append(el("div.image-alt", { text: `[image: ${block.alt_text ?? ""}]` }));
        break;
      default:
        box.append(el("div.unsupported", { text: `(a ${block.type} block)` }));
    }
  });
  return box;
}
