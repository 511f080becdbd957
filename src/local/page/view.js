// The whole page from the last state: settles who and which channel (the first visible one if
// the URL's is gone), keeps them in the URL, and draws every part; the messages list is only
// rebuilt from scratch when the channel or the person changes.
import { renderHeader, renderMessages, renderPins } from "./messages.js";
import { renderModal } from "./modal.js";
import { renderPostmortems } from "./postmortems.js";
import { renderChannelList, renderOnCall, renderPicker } from "./sidebar.js";
import { displayName, remember, ui } from "./state.js";

let renderedChannel = null;
let renderedUser = null;

export function renderPage() {
  const snap = ui.snap;
  ui.me = snap.me;
  const visible = snap.channels.some((c) => c.id === ui.channel);
  if (!visible) ui.channel = (snap.channels.find((c) => c.name === "general") ?? snap.channels[0])?.id ?? null;
  const channelChanged = renderedChannel !== ui.channel || renderedUser !== ui.me;
  renderedChannel = ui.channel;
  renderedUser = ui.me;
  remember();
  document.title = `${displayName(ui.me)} · incident-bot local workspace`;
  renderPicker();
  renderOnCall();
  renderHeader();
  renderMessages(channelChanged);
  renderPins();
  renderChannelList();
  renderPostmortems();
  renderModal();
}
