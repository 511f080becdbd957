// views.*: the bot opens a modal (with a trigger id, valid once and briefly), pushes one onto the
// stack and updates one, with Slack's checks on the view it sends.
import { fail, isObj, str, type Handler, type Json } from "../wire.ts";
import type { Workspace } from "../workspace.ts";

const MAX_VIEW_BLOCKS = 100;
const MAX_VIEW_STACK = 3;

export function viewsMethods(w: Workspace): Record<string, Handler> {
  return {
    "views.open": (a) => {
      const trigger = w.useTrigger(a.trigger_id);
      const view = buildView(w, a.view, w.newId("V"));
      w.viewMap.set(String(view.id), { id: String(view.id), userId: trigger.userId, triggerId: String(a.trigger_id), view, open: true, rootViewId: String(view.id) });
      w.changed({ kind: "view", id: String(view.id), what: "opened" });
      return { view };
    },

    "views.push": (a) => {
      const trigger = w.useTrigger(a.trigger_id);
      const open = [...w.viewMap.values()].filter((v) => v.open && (trigger.userId === undefined || v.userId === trigger.userId));
      const top = open.at(-1);
      if (!top) fail("not_found");
      const stack = open.filter((v) => v.rootViewId === top.rootViewId);
      if (stack.length >= MAX_VIEW_STACK) fail("push_limit_reached");
      const view = buildView(w, a.view, w.newId("V"), { root_view_id: top.rootViewId, previous_view_id: top.id });
      w.viewMap.set(String(view.id), { id: String(view.id), userId: top.userId, triggerId: String(a.trigger_id), view, open: true, rootViewId: top.rootViewId });
      w.changed({ kind: "view", id: String(view.id), what: "pushed" });
      return { view };
    },

    "views.update": (a) => {
      const id = str(a.view_id);
      const ext = str(a.external_id);
      if (!id && !ext) fail("invalid_arguments", { response_metadata: { messages: ["either `view_id` or `external_id` is required"] } });
      const v = id ? w.viewMap.get(id) : [...w.viewMap.values()].find((x) => x.view.external_id === ext);
      if (!v || !v.open) fail("not_found");
      if (a.hash !== undefined && a.hash !== v.view.hash) fail("hash_conflict");
      v.view = buildView(w, a.view, v.id, { root_view_id: v.view.root_view_id, previous_view_id: v.view.previous_view_id, state: v.view.state });
      w.changed({ kind: "view", id: v.id, what: "updated" });
      return { view: v.view };
    },
  };
}

function buildView(w: Workspace, input: unknown, id: string, keep: Json = {}): Json {
  const bad = (msg: string) => fail("invalid_arguments", { response_metadata: { messages: [msg] } });
  if (!isObj(input)) return bad("missing required field: view");
  if (input.type !== "modal") bad("invalid `type`");
  if (!isObj(input.title)) bad("missing required field: title");
  if (!Array.isArray(input.blocks)) bad("missing required field: blocks");
  if ((input.blocks as unknown[]).length > MAX_VIEW_BLOCKS) bad("must provide at most 100 items [json-pointer:/view/blocks]");
  if (typeof input.private_metadata === "string" && input.private_metadata.length > 3000) bad("failed to match all allowed schemas [json-pointer:/view/private_metadata]");
  return {
    id,
    team_id: w.teamId,
    type: "modal",
    private_metadata: "",
    callback_id: "",
    external_id: "",
    clear_on_close: false,
    notify_on_close: false,
    close: null,
    submit: null,
    ...input,
    state: { values: {} },
    hash: `${Math.floor(w.now().getTime() / 1000)}.${w.rand(8, "0123456789abcdef")}`,
    previous_view_id: null,
    root_view_id: id,
    app_id: w.appId,
    app_installed_team_id: w.teamId,
    bot_id: w.botId,
    ...keep,
  };
}
