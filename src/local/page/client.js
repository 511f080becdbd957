// Talking to the local server (server.ts): POSTs to its API, GET /api/state for everything one
// person sees, and an EventSource on /api/events that says when anything changed — the page then
// asks for its state again and redraws. Every request carries the token the server wrote into the
// page (only this page may use the API): in a header, or in the event stream's URL, since an
// EventSource cannot send headers.
import { $, toast } from "./dom.js";
import { redraw, ui } from "./state.js";

const token = document.querySelector('meta[name="incident-bot-token"]')?.getAttribute("content") ?? "";
const TOKEN_HEADER = "x-incident-bot-token";

export async function api(path, body) {
  const res = await fetch(path, { method: "POST", headers: { "content-type": "application/json", [TOKEN_HEADER]: token }, body: JSON.stringify(body) });
  const json = await res.json().catch(() => ({ ok: false, error: `HTTP ${res.status}` }));
  if (!res.ok) throw new Error(json.error ?? `HTTP ${res.status}`);
  return json;
}

export async function refresh() {
  const seq = ++ui.fetchSeq;
  const res = await fetch(`/api/state?user=${encodeURIComponent(ui.me ?? "")}`, { headers: { [TOKEN_HEADER]: token } });
  if (!res.ok) {
    // an unknown user in the URL: start over as the first person
    if (res.status === 400 && ui.me !== null) {
      ui.me = null;
      return refresh();
    }
    const json = await res.json().catch(() => ({}));
    throw new Error(json.error ?? `state: HTTP ${res.status}`);
  }
  const snap = await res.json();
  if (seq !== ui.fetchSeq) return; // a newer answer is on its way
  ui.snap = snap;
  redraw();
}

let refreshTimer = null;
/** Many changes arrive together (a declare is a dozen Web API calls): one fetch for all of them. */
function scheduleRefresh() {
  if (refreshTimer) return;
  refreshTimer = setTimeout(() => {
    refreshTimer = null;
    refresh().catch((err) => toast(err.message));
  }, 40);
}

export function connect() {
  const events = new EventSource(`/api/events?token=${encodeURIComponent(token)}`);
  events.addEventListener("change", scheduleRefresh);
  events.addEventListener("open", () => {
    $("connection").hidden = true;
    scheduleRefresh(); // whatever happened while disconnected
  });
  events.addEventListener("error", () => {
    $("connection").hidden = false;
    // A stream the server refused (not one that dropped: that one reconnects by itself): the
    // server was started again since this page was loaded, with another token.
    if (events.readyState === EventSource.CLOSED) $("connection").textContent = "The local workspace was restarted: reload the page.";
  });
}
