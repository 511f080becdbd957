// What Slack itself sends to an app, built and signed here so that local mode and the end-to-end
// tests drive the real Bolt app over HTTP exactly as Slack would: slash commands (a form),
// interactions (a form with a `payload=` JSON field) and Events API callbacks (JSON), about the
// stand-in's workspace. Shapes follow Slack's docs.
import { createHmac, randomBytes } from "node:crypto";
import type { Message, OpenView, SlackStandIn, StandInUser } from "./index.ts";

/** Slack's old "verification token": sent in every payload, checked by nobody (Bolt uses the signature). */
const VERIFICATION_TOKEN = "local-verification-token";

export interface BotEndpoint {
  /** The bot's Bolt receiver, e.g. http://127.0.0.1:51234/slack/events */
  url: string;
  signingSecret: string;
}

export interface BotAnswer {
  status: number;
  text: string;
  /** The body as JSON when it is JSON; null for an empty or plain-text body. */
  json: Record<string, unknown> | null;
}

/**
 * Slack's request signature: `v0=` + hex HMAC-SHA256 of `v0:<timestamp>:<body>`. The timestamp is
 * the real time, never a test clock: Bolt refuses requests more than five minutes off its own
 * Date.now().
 */
export function signatureHeaders(body: string, secret: string, timestamp = Math.floor(Date.now() / 1000)): Record<string, string> {
  const signature = `v0=${createHmac("sha256", secret).update(`v0:${timestamp}:${body}`).digest("hex")}`;
  return { "x-slack-request-timestamp": String(timestamp), "x-slack-signature": signature };
}

/** POSTs a signed body to the bot and reads its answer (an acknowledgement, maybe with a body). */
export async function sendToBot(bot: BotEndpoint, body: string, contentType: string): Promise<BotAnswer> {
  const res = await fetch(bot.url, {
    method: "POST",
    headers: { "content-type": contentType, ...signatureHeaders(body, bot.signingSecret) },
    body,
  });
  const text = await res.text();
  let json: Record<string, unknown> | null = null;
  if (text.trim().startsWith("{")) {
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      json = null;
    }
  }
  return { status: res.status, text, json };
}

const form = (fields: Record<string, string>) => ({ body: new URLSearchParams(fields).toString(), contentType: "application/x-www-form-urlencoded" });
const interaction = (payload: unknown) => form({ payload: JSON.stringify(payload) });

function team(standIn: SlackStandIn) {
  return { id: standIn.teamId, domain: teamDomain(standIn) };
}

export function teamDomain(standIn: SlackStandIn): string {
  return standIn.teamName.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") || "local";
}

function person(standIn: SlackStandIn, userId: string): StandInUser | undefined {
  return standIn.users().find((u) => u.id === userId);
}

/** Slack names DMs "directmessage" in payloads; channels by their name. */
function channelName(standIn: SlackStandIn, channelId: string): string {
  const c = standIn.channel(channelId);
  if (!c) return "unknown";
  return c.isIm ? "directmessage" : c.isMpim ? "mpdm" : c.name;
}

// ------------------------------------------------------------------ typing like a Slack client

/**
 * What a Slack client sends for typed text with "escape channels, users and links" on (as our
 * manifest asks): &, < and > escaped, then @name → <@U…|name>, #channel → <#C…|channel> and
 * @channel/@here → <!channel>/<!here>. Unknown names stay plain text, as in Slack.
 */
export function encodeTyped(standIn: SlackStandIn, text: string): string {
  const escaped = text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  const users = standIn.users();
  return escaped
    .replace(/(^|\s)@(channel|here|everyone)\b/g, (_m, pre: string, word: string) => `${pre}<!${word}>`)
    .replace(/(^|\s)@([a-z0-9_-]+(?:\.[a-z0-9_-]+)*)/gi, (m, pre: string, name: string) => {
      const u = users.find((x) => x.name.toLowerCase() === name.toLowerCase());
      return u ? `${pre}<@${u.id}|${u.name}>` : m;
    })
    .replace(/(^|\s)#([a-z0-9_-]+)/gi, (m, pre: string, name: string) => {
      const c = standIn.channel(name.toLowerCase());
      return c && !c.isIm ? `${pre}<#${c.id}|${c.name}>` : m;
    });
}

// ------------------------------------------------------------------ slash commands

export interface CommandInput {
  userId: string;
  channelId: string;
  command: string; // "/incident"
  text: string; // already encoded (encodeTyped)
  responseUrl: string;
  /** The trigger id Slack sent the first time (a retry repeats it); default: a fresh one. */
  triggerId?: string;
}

/** The form Slack POSTs for a slash command, with a fresh trigger id from the stand-in. */
export function slashCommand(standIn: SlackStandIn, c: CommandInput): { body: string; contentType: string } {
  return form({
    token: VERIFICATION_TOKEN,
    team_id: standIn.teamId,
    team_domain: teamDomain(standIn),
    channel_id: c.channelId,
    channel_name: channelName(standIn, c.channelId),
    user_id: c.userId,
    user_name: person(standIn, c.userId)?.name ?? "someone",
    command: c.command,
    text: c.text,
    api_app_id: standIn.appId,
    is_enterprise_install: "false",
    response_url: c.responseUrl,
    trigger_id: c.triggerId ?? standIn.issueTriggerId(c.userId),
  });
}

// ------------------------------------------------------------------ block_actions

type Block = Record<string, unknown>;
type Element = Record<string, unknown>;

/** A block's id as the client knows it: its own, or "#<index>" for blocks sent without one. */
export function blockKey(block: Block, index: number): string {
  return typeof block.block_id === "string" ? block.block_id : `#${index}`;
}

/** The interactive element a click names, found in the message itself (as Slack does). */
export function findElement(blocks: unknown[] | undefined, blockId: string, actionId: string): { block: Block; blockId: string; element: Element } | null {
  for (const [i, raw] of (blocks ?? []).entries()) {
    const block = raw as Block;
    if (blockKey(block, i) !== blockId) continue;
    const candidates: Element[] = [];
    if (Array.isArray(block.elements)) candidates.push(...(block.elements as Element[]));
    if (block.accessory && typeof block.accessory === "object") candidates.push(block.accessory as Element);
    const element = candidates.find((e) => e.action_id === actionId);
    // Slack gives blocks without an id a generated one; the index-based key stands in for it
    if (element) return { block, blockId: typeof block.block_id === "string" ? block.block_id : `local_block_${i}`, element };
  }
  return null;
}

export interface ClickInput {
  userId: string;
  channelId: string;
  message: Message;
  blockId: string;
  actionId: string;
  /** For selects: the chosen option's value. */
  selectedValue?: string;
  responseUrl: string;
}

/** The `block_actions` interaction Slack sends for a click on a message's button or menu. */
export function blockActions(standIn: SlackStandIn, click: ClickInput): { body: string; contentType: string } | { error: string } {
  const found = findElement(click.message.blocks, click.blockId, click.actionId);
  if (!found) return { error: `no element ${click.actionId} in block ${click.blockId} of that message` };
  const { element, blockId } = found;
  const actionTs = (Date.now() / 1000).toFixed(6);
  let action: Element;
  if (element.type === "static_select") {
    const options = (element.options as Element[] | undefined) ?? [];
    const option = options.find((o) => o.value === click.selectedValue);
    if (!option) return { error: `no option ${click.selectedValue ?? "(none)"} in ${click.actionId}` };
    action = { type: "static_select", action_id: click.actionId, block_id: blockId, selected_option: { text: option.text, value: option.value }, placeholder: element.placeholder, action_ts: actionTs };
  } else if (element.type === "button") {
    action = { type: "button", action_id: click.actionId, block_id: blockId, text: element.text, value: element.value, style: element.style, action_ts: actionTs };
  } else {
    return { error: `elements of type ${String(element.type)} are not supported in local mode` };
  }
  const m = click.message;
  const user = person(standIn, click.userId);
  return interaction({
    type: "block_actions",
    user: { id: click.userId, username: user?.name ?? "someone", name: user?.name ?? "someone", team_id: standIn.teamId },
    api_app_id: standIn.appId,
    token: VERIFICATION_TOKEN,
    container: { type: "message", message_ts: m.ts, channel_id: click.channelId, is_ephemeral: Boolean(m.ephemeralTo) },
    trigger_id: standIn.issueTriggerId(click.userId),
    team: team(standIn),
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: click.channelId, name: channelName(standIn, click.channelId) },
    message: {
      type: "message",
      user: m.user,
      bot_id: m.botId,
      app_id: m.botId ? standIn.appId : undefined,
      text: m.text,
      blocks: m.blocks,
      ts: m.ts,
      thread_ts: m.threadTs,
      edited: m.edited,
      team: standIn.teamId,
    },
    state: { values: {} },
    response_url: click.responseUrl,
    actions: [action],
  });
}

// ------------------------------------------------------------------ view_submission

/** What the page sends for a modal's inputs: { block_id: { action_id: value | null } }. */
export type FormValues = Record<string, Record<string, string | string[] | null>>;

/** `state.values` in Slack's shape, from the form's raw values and the view's input blocks. */
export function stateValues(view: Record<string, unknown>, values: FormValues): Record<string, Record<string, Record<string, unknown>>> {
  const out: Record<string, Record<string, Record<string, unknown>>> = {};
  for (const raw of (view.blocks as Block[] | undefined) ?? []) {
    if (raw.type !== "input" || typeof raw.block_id !== "string") continue;
    const element = raw.element as Element;
    const actionId = String(element.action_id);
    const v = values[raw.block_id]?.[actionId] ?? null;
    const one = Array.isArray(v) ? v[0] ?? null : v;
    let state: Record<string, unknown>;
    switch (element.type) {
      case "plain_text_input":
        state = { type: "plain_text_input", value: one === "" ? null : one };
        break;
      case "static_select": {
        const option = ((element.options as Element[] | undefined) ?? []).find((o) => o.value === one);
        state = { type: "static_select", selected_option: option ? { text: option.text, value: option.value } : null };
        break;
      }
      case "users_select":
        state = { type: "users_select", selected_user: one || null };
        break;
      case "multi_users_select":
        state = { type: "multi_users_select", selected_users: Array.isArray(v) ? v : v ? [v] : [] };
        break;
      case "checkboxes": {
        const chosen = Array.isArray(v) ? v : v ? [v] : [];
        state = { type: "checkboxes", selected_options: ((element.options as Element[] | undefined) ?? []).filter((o) => chosen.includes(String(o.value))).map((o) => ({ text: o.text, value: o.value })) };
        break;
      }
      default:
        state = { type: element.type, value: one };
    }
    out[raw.block_id] = { [actionId]: state };
  }
  return out;
}

/** The `view_submission` interaction for an open modal. */
export function viewSubmission(standIn: SlackStandIn, userId: string, open: OpenView, values: FormValues): { body: string; contentType: string } {
  const user = person(standIn, userId);
  return interaction({
    type: "view_submission",
    team: team(standIn),
    user: { id: userId, username: user?.name ?? "someone", name: user?.name ?? "someone", team_id: standIn.teamId },
    api_app_id: standIn.appId,
    token: VERIFICATION_TOKEN,
    trigger_id: standIn.issueTriggerId(userId),
    view: { ...open.view, state: { values: stateValues(open.view, values) } },
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
  });
}

// ------------------------------------------------------------------ Events API

/** An `app_mention` event callback, as Slack sends it when a message mentions the bot. */
export function appMention(standIn: SlackStandIn, m: Message): { body: string; contentType: string } {
  return {
    contentType: "application/json",
    body: JSON.stringify({
      token: VERIFICATION_TOKEN,
      team_id: standIn.teamId,
      api_app_id: standIn.appId,
      event: { type: "app_mention", user: m.user, text: m.text, ts: m.ts, thread_ts: m.threadTs, channel: m.channel, event_ts: m.ts, team: standIn.teamId },
      type: "event_callback",
      event_id: `Ev${randomBytes(5).toString("hex").toUpperCase()}`,
      event_time: Math.floor(Date.now() / 1000),
      authorizations: [{ enterprise_id: null, team_id: standIn.teamId, user_id: standIn.botUserId, is_bot: true, is_enterprise_install: false }],
      is_ext_shared_channel: false,
    }),
  };
}
