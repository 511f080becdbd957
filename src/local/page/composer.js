// What a person does outside messages and modals: choose who they are in the "You are" picker,
// type in the message box (Enter sends, Shift+Enter is a new line, and text that could not be
// sent is given back), and press Escape to close the modal on screen.
import { api, refresh } from "./client.js";
import { $, toast } from "./dom.js";
import { closeModal } from "./modal.js";
import { ui } from "./state.js";

async function send() {
  const box = $("message-box");
  const text = box.value.trim();
  if (!text || !ui.channel) return;
  box.value = "";
  try {
    const answer = await api("/api/command", { user: ui.me, channel: ui.channel, text });
    if (answer.ok === false && answer.error === "dispatch_failed") toast("The bot did not accept that (see the server's log).");
  } catch (err) {
    box.value = text; // nothing was sent: give it back
    toast(err.message);
  }
}

export function listen() {
  $("user-picker").addEventListener("change", (e) => {
    ui.me = e.target.value;
    closeModal(null); // another person's screen: their modals, not these
    refresh().catch((err) => toast(err.message));
  });
  $("composer").addEventListener("submit", (e) => {
    e.preventDefault();
    send();
  });
  $("message-box").addEventListener("keydown", (e) => {
    // Enter sends, Shift+Enter is a new line (as in Slack)
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      send();
    }
  });
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && ui.shownView) closeModal(ui.snap.views.at(-1)?.id ?? null);
  });
}
