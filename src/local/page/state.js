// What the page knows: who is looking (ui.me), which channel is open, the last /api/state answer,
// kept in the URL's #fragment so a reload shows the same view; lookups of people by id; and the
// hook through which a new state or another channel redraws the whole page.
import { $ } from "./dom.js";

export const ui = {
  me: null, // user id
  channel: null, // channel id
  snap: null, // the last /api/state answer
  shownView: null, // "<id>:<hash>" of the modal on screen
  seen: new Map(), // `${user}:${channel}` -> number of messages seen
  fetchSeq: 0,
};

const params = new URLSearchParams(location.hash.slice(1));
ui.me = params.get("user");
ui.channel = params.get("channel");

/** Puts who and where in the URL. */
export function remember() {
  const p = new URLSearchParams();
  if (ui.me) p.set("user", ui.me);
  if (ui.channel) p.set("channel", ui.channel);
  history.replaceState(null, "", `#${p}`);
}

export const usersById = () => new Map((ui.snap?.users ?? []).map((u) => [u.id, u]));
export const displayName = (id) => usersById().get(id)?.realName ?? id;
export const people = () => (ui.snap?.users ?? []).filter((u) => !u.isBot);

// The entry module sets this to view.js's renderPage(): the modules that draw parts of the page
// (and the server client) ask for a redraw without importing the page as a whole.
let drawPage = () => {};
export function onRedraw(fn) {
  drawPage = fn;
}
export function redraw() {
  drawPage();
}

export function openChannel(id) {
  ui.channel = id;
  redraw();
  $("message-box").focus();
}
