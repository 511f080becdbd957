// The local workspace page's entry module: a small chat client over the local server's API
// (server.ts), in plain browser JavaScript modules under page/, loaded natively by the browser
// (no build step). Everything shown is built with DOM calls and text nodes — never innerHTML —
// because message text comes from people and from the bot.
//
// Data flow: GET /api/state?user=… gives everything one person sees; an EventSource on
// /api/events says when anything changed, and the page asks for its state again. Every request
// carries the token the server wrote into page.html (see server.ts: only this page may use the API).
//
//   page/dom.js          el(), $() and toast()
//   page/state.js        who, where, the last state, people by id; the redraw hook
//   page/client.js       the server's API, the state and the change stream
//   page/emoji.js        :shortcodes: as SVG or Unicode
//   page/mrkdwn.js       mrkdwn and text objects
//   page/blocks.js       Block Kit blocks, buttons and menus
//   page/sidebar.js      the person picker, on call now, the channel list
//   page/messages.js     the channel header, pins and messages
//   page/modal.js        modals and their forms
//   page/postmortems.js  the postmortems panel
//   page/composer.js     the picker's change, the message box, Escape
//   page/view.js         the whole page from the last state
//   page/alerts.js       "Send test alert"
import { listenAlerts } from "./page/alerts.js";
import { connect, refresh } from "./page/client.js";
import { listen } from "./page/composer.js";
import { toast } from "./page/dom.js";
import { onRedraw } from "./page/state.js";
import { renderPage } from "./page/view.js";

onRedraw(renderPage);
listen();
listenAlerts();
connect();
refresh().catch((err) => toast(err.message));
