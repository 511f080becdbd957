// The sidebar: the "You are" picker (draws the people; composer.js handles a change), who is on
// call now, and the channel list in its three sections with unread counts.
import { $, el } from "./dom.js";
import { displayName, openChannel, people, ui } from "./state.js";

export function renderPicker() {
  const picker = $("user-picker");
  const wanted = people().map((u) => `${u.id}:${u.realName}`).join("|");
  if (picker.dataset.users !== wanted) {
    picker.replaceChildren(...people().map((u) => el("option", { value: u.id, text: u.realName })));
    picker.dataset.users = wanted;
  }
  picker.value = ui.me;
}

export function renderOnCall() {
  const list = $("oncall-list");
  const rows = ui.snap.oncall;
  if (rows.length === 0) {
    list.replaceChildren(el("li.hint", { text: "No schedules." }));
    return;
  }
  list.replaceChildren(
    ...rows.map((r) =>
      el("li", { dataset: { schedule: r.schedule } }, el("span.schedule", { text: r.schedule }), " ", el("span.who", { text: r.users.length ? r.users.map(displayName).join(", ") : "nobody" })),
    ),
  );
}

function unreadCount(c) {
  const total = (ui.snap.messages[c.id] ?? []).length;
  return Math.max(0, total - (ui.seen.get(`${ui.me}:${c.id}`) ?? 0));
}

export function renderChannelList() {
  const nav = $("channel-list");
  const sections = [
    ["Channels", "channel"],
    ["Incidents", "incident"],
    ["Direct messages", "dm"],
  ];
  nav.replaceChildren(
    ...sections.map(([title, kind]) => {
      const items = ui.snap.channels.filter((c) => c.kind === kind);
      return el(
        "section.channel-section",
        { dataset: { kind } },
        el("h2", { text: title }),
        items.length === 0 ? el("p.hint", { text: kind === "incident" ? "No incidents yet." : kind === "dm" ? "None yet." : "" }) : null,
        el(
          "ul",
          {},
          items.map((c) => {
            const unread = c.id === ui.channel ? 0 : unreadCount(c);
            return el(
              "li",
              {},
              el(
                `button.channel${c.id === ui.channel ? ".active" : ""}${unread ? ".unread" : ""}${c.isArchived ? ".archived" : ""}`,
                { type: "button", dataset: { channelName: c.name, channelId: c.id, kind: c.kind }, on: { click: () => openChannel(c.id) } },
                el("span.sigil", { text: c.kind === "dm" ? "●" : "#" }),
                el("span.name", { text: c.name }),
                unread ? el("span.badge", { text: String(unread) }) : null,
              ),
            );
          }),
        ),
      );
    }),
  );
}
