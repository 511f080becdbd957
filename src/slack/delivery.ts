// Outbox handlers that talk to Slack for incidents: the channel, invitations, the pinned card
// (posted once, then edited in place), posts and announcements, and failure reports.
//
// A handler reads what it needs, calls Slack outside any transaction, and returns the writes that
// go with the outcome (the channel's id, the card's ts); the outbox records them after the call.
import type { KnownBlock } from "@slack/types";
import type { WebClient } from "@slack/web-api";
import { firingAlertsOf, groupById, latestAlertsOf } from "../alerts/store.ts";
import { alertPageMessage } from "../alerts/views.ts";
import type { Db } from "../db/client.ts";
import { enqueue } from "../db/outbox.ts";
import type { DbClient } from "../db/tx.ts";
import { PermanentFailure, type FailureReporter, type Handler } from "../engine/outbox.ts";
import { pageById } from "../escalation/store.ts";
import type { Incident } from "../incidents/incident.ts";
import { channelNameFor, incidentRef } from "../incidents/lifecycle.ts";
import { incidentByChannel, incidentById, recordCard, recordChannel, settledIncident, timelineEvents } from "../incidents/store.ts";
import { announcement, channelText, fitMessage, incidentCard, pageMessage } from "../incidents/views.ts";
import { recordUserGroupProblem, swapById, userGroupState } from "../oncall/store.ts";
import { swapRequestMessage } from "../oncall/swaps.ts";
import { USER_GROUP_PROBLEMS } from "../oncall/user-groups.ts";
import { slackErrorCode, type SlackIdentity } from "./web-client.ts";

async function loadIncident(db: DbClient, id: number | null, read = incidentById): Promise<Incident> {
  const incident = id === null ? null : await read(db, id);
  if (!incident) throw new PermanentFailure(`incident ${id} no longer exists`, "incident_not_found");
  return incident;
}

function needChannel(incident: Incident): string {
  if (!incident.channelId) throw new PermanentFailure(`${incidentRef(incident.number)} has no Slack channel (creating it failed)`, "no_incident_channel");
  return incident.channelId;
}

/** Calls Slack; a method error listed in `okErrors` counts as success. */
async function call<T>(fn: () => Promise<T>, okErrors: string[] = []): Promise<T | null> {
  try {
    return await fn();
  } catch (err) {
    const code = slackErrorCode(err);
    if (code && okErrors.includes(code)) return null;
    throw err;
  }
}

/** A channel the bot made before this incident's declaration is not this incident's. */
const ADOPT_CLOCK_SLACK_MS = 10 * 60_000;

/**
 * After a create whose answer was lost (a timeout, a dropped connection, a process that died
 * between Slack's answer and our commit), asking again meets `name_taken` for our own channel.
 * That channel is adopted when the bot created it, after the incident was declared, and no other
 * incident has it; otherwise the name is someone else's and the next suffix is tried.
 */
async function ownChannelNamed(slack: WebClient, identity: SlackIdentity, db: Db, name: string, incident: Incident): Promise<string | null> {
  const me = await identity.get();
  let cursor: string | undefined;
  for (let page = 0; page < 50; page++) {
    const res = await slack.conversations.list({ types: incident.private ? "private_channel" : "public_channel", exclude_archived: true, limit: 1000, ...(cursor ? { cursor } : {}) });
    const found = res.channels?.find((c) => c.name === name);
    if (found?.id) {
      const createdAtMs = Number(found.created ?? 0) * 1000;
      if (found.creator !== me.botUserId || createdAtMs < incident.declaredAt.getTime() - ADOPT_CLOCK_SLACK_MS) return null;
      const owner = await incidentByChannel(db, found.id);
      return owner && owner.id !== incident.id ? null : found.id;
    }
    cursor = res.response_metadata?.next_cursor || undefined;
    if (!cursor) return null;
  }
  return null;
}

export function slackHandlers(slack: WebClient, identity: SlackIdentity): Record<string, Handler> {
  return {
    async "incident.create_channel"({ db, message, log }) {
      const incident = await loadIncident(db, message.incidentId);
      if (incident.channelId) return { result: { channel: incident.channelId } };
      // A name someone else took gets a suffix: inc-7-db-down, inc-7-db-down-2, …
      for (let attempt = 0; attempt < 20; attempt++) {
        // A private incident's channel name says nothing of it (its name is recorded at declaration).
        const name = incident.private ? `${incident.channelName}${attempt > 0 ? `-${attempt + 1}` : ""}` : channelNameFor(incident.number, incident.title, attempt);
        const res = await call(() => slack.conversations.create({ name, is_private: incident.private }), ["name_taken"]);
        let channelId = res?.channel?.id ?? null;
        const adopted = !channelId;
        if (!channelId) channelId = await ownChannelNamed(slack, identity, db, name, incident);
        if (!channelId) continue;
        log.info(`${incidentRef(incident.number)}: ${adopted ? "adopted the channel it had created" : "created channel"} #${name} (${channelId})`);
        const id = channelId;
        return {
          result: { channel: id, name, ...(adopted ? { adopted: true } : {}) },
          record: (tx) => recordChannel(tx, incident.id, id, name),
        };
      }
      throw new PermanentFailure(`no free channel name for ${incidentRef(incident.number)}`, "name_taken");
    },

    async "incident.invite"({ db, message }) {
      const incident = await loadIncident(db, message.incidentId);
      const channel = needChannel(incident);
      const users = (message.payload.users as string[]).filter(Boolean);
      if (users.length === 0) return;
      await call(() => slack.conversations.invite({ channel, users: users.join(",") }), ["already_in_channel", "cant_invite_self"]);
      return { result: { users } };
    },

    async "incident.post_card"({ db, message }) {
      const incident = await loadIncident(db, message.incidentId);
      if (incident.cardTs) return { result: { ts: incident.cardTs } };
      const channel = needChannel(incident);
      const card = incidentCard(incident);
      const res = await slack.chat.postMessage({ channel, text: card.text, blocks: card.blocks, unfurl_links: false });
      return { result: { ts: res.ts }, record: (tx) => recordCard(tx, incident.id, res.ts!) };
    },

    async "incident.pin_card"({ db, message }) {
      const incident = await loadIncident(db, message.incidentId);
      const channel = needChannel(incident);
      if (!incident.cardTs) return { result: { skipped: "the card was never posted (that failure is reported on its own)" } };
      await call(() => slack.pins.add({ channel, timestamp: incident.cardTs! }), ["already_pinned"]);
    },

    async "incident.update_card"({ db, message }) {
      // Edits render the incident as it is now (a change being written included: edits are
      // coalesced, see db/outbox.ts), so a late edit never shows an older state.
      const incident = await loadIncident(db, message.incidentId, settledIncident);
      const channel = needChannel(incident);
      const card = incidentCard(incident);
      if (!incident.cardTs) {
        const res = await slack.chat.postMessage({ channel, text: card.text, blocks: card.blocks });
        return { result: { ts: res.ts, posted: true }, record: (tx) => recordCard(tx, incident.id, res.ts!) };
      }
      await slack.chat.update({ channel, ts: incident.cardTs, text: card.text, blocks: card.blocks });
      return { result: { ts: incident.cardTs } };
    },

    /** A timeline event said in the incident channel (status updates, pages, acknowledgements…). */
    async "incident.post"({ db, message }) {
      const incident = await loadIncident(db, message.incidentId);
      const channel = needChannel(incident);
      const ids = ((message.payload.pageStep as string[] | undefined) ?? [String(message.payload.event)]).map((id) => BigInt(id));
      const events = await timelineEvents(db, ids);
      if (events.length === 0) throw new PermanentFailure("timeline event not found", "event_not_found");
      const text = channelText(incident, events, Boolean(message.payload.loud));
      const res = await slack.chat.postMessage({ channel, text: fitMessage(text), unfurl_links: false });
      return { result: { ts: res.ts } };
    },

    /** A page: a direct message with Acknowledge and Escalate now, unless it was acknowledged meanwhile. */
    async "page.notify"({ db, message }) {
      const { pageId, userId, level } = message.payload as { pageId: number; userId: string; level: number };
      const page = await pageById(db, pageId);
      if (!page) throw new PermanentFailure(`page ${pageId} no longer exists`, "page_not_found");
      if (page.state !== "escalating" && page.state !== "exhausted") return { result: { skipped: `page is ${page.state}` } };
      let dm: { text: string; blocks: KnownBlock[] };
      if (page.alertGroupId !== null) {
        // Alerts' page: what is firing in the group as it is now.
        const incident = page.incidentId === null ? null : await incidentById(db, page.incidentId);
        if (incident?.private) dm = pageMessage(incident, { id: page.id, pagedById: page.pagedById, message: page.message, level, target: page.target });
        else {
          const [{ alerts, count }, group] = await Promise.all([firingAlertsOf(db, page.alertGroupId), groupById(db, page.alertGroupId)]);
          const shown = alerts.length > 0 ? alerts : await latestAlertsOf(db, page.alertGroupId);
          const integration = group?.integration ?? page.pagedById.replace(/^integration:/, "");
          dm = alertPageMessage({ page: { id: page.id, level, target: page.target, integration }, groupId: page.alertGroupId, alerts: shown, count, incident });
        }
      } else {
        const incident = await loadIncident(db, page.incidentId);
        dm = pageMessage(incident, { id: page.id, pagedById: page.pagedById, message: page.message, level, target: page.target });
      }
      const res = await slack.chat.postMessage({ channel: userId, text: dm.text, blocks: dm.blocks, unfurl_links: false });
      return { result: { ts: res.ts, channel: res.channel } };
    },

    /** A shift swap request: a direct message to the person asked, with Accept and Decline, unless it was answered meanwhile. */
    async "oncall.swap_request"({ db, message }) {
      const { swapId } = message.payload as { swapId: number };
      const swap = await swapById(db, swapId);
      if (!swap) return { result: { skipped: "the swap request no longer exists" } };
      if (swap.state !== "pending") return { result: { skipped: `the swap request is ${swap.state}` } };
      const dm = swapRequestMessage(swap);
      const res = await slack.chat.postMessage({ channel: swap.targetId, text: dm.text, blocks: dm.blocks, unfurl_links: false });
      return { result: { ts: res.ts, channel: res.channel } };
    },

    async "incident.announce"({ db, message }) {
      const incident = await loadIncident(db, message.incidentId);
      const channel = String(message.payload.channel);
      const eventId = message.payload.event;
      const [event] = eventId && eventId !== "declared" ? await timelineEvents(db, [BigInt(String(eventId))]) : [];
      const res = await slack.chat.postMessage({ channel, text: fitMessage(announcement(incident, event ?? null)), unfurl_links: false });
      return { result: { ts: res.ts } };
    },

    /**
     * A user group's members: those of the message's version, unless a later version replaces it.
     * A refusal a retry cannot fix is recorded on the group (and logged when it is new), not retried.
     */
    async "usergroup.update"({ db, message, log }) {
      const { id, version } = message.payload as { id: number; version: number };
      const group = await userGroupState(db, id);
      if (!group) return { result: { skipped: "the user group no longer follows the rota" } };
      if (group.version !== version || group.members === null) return { result: { skipped: `version ${group.version} replaces it` } };
      const members = group.members;
      try {
        await slack.usergroups.users.update({ usergroup: group.groupId, users: members.join(",") });
      } catch (err) {
        const code = slackErrorCode(err);
        if (!code || !USER_GROUP_PROBLEMS[code]) throw err;
        if (group.problem !== code) log.warn(`user group ${group.groupId} (${group.name}) cannot follow the rota: Slack answered ${code}; ${USER_GROUP_PROBLEMS[code]} (tried again hourly)`);
        return { result: { problem: code }, record: (tx, now) => recordUserGroupProblem(tx, id, code, now) };
      }
      if (group.problem !== null) log.info(`user group ${group.groupId} (${group.name}) follows the rota again`);
      return { result: { users: members }, ...(group.problem !== null ? { record: (tx, now) => recordUserGroupProblem(tx, id, null, now) } : {}) };
    },

    /** A message (failure reports, replies to mentions, shift notices, reminders with their buttons). */
    async "slack.post"({ message }) {
      const { channel, text, threadTs, blocks } = message.payload as { channel: string; text: string; threadTs?: string; blocks?: KnownBlock[] };
      const res = await slack.chat.postMessage({ channel, text: fitMessage(text), ...(blocks ? { blocks } : {}), ...(threadTs ? { thread_ts: threadTs } : {}), unfurl_links: false });
      return { result: { ts: res.ts } };
    },
  };
}

const ACTION_NAMES: Record<string, string> = {
  "incident.create_channel": "create the incident channel",
  "incident.invite": "invite people to the incident channel",
  "incident.post_card": "post the incident card",
  "incident.pin_card": "pin the incident card",
  "incident.update_card": "update the incident card",
  "incident.post": "post the status update in the incident channel",
  "incident.announce": "post in the announce channel",
  "page.notify": "send a page",
};

/**
 * A write that failed for good is said where people will see it: in the incident channel when
 * there is one, otherwise to the incident commander directly. Reports of reports are only logged.
 */
export const reportSlackFailure: FailureReporter = async (tx, message, error, now) => {
  const incidentId = message.incidentId ?? (message.payload.incidentId as number | undefined) ?? null;
  if (message.kind === "slack.post" || incidentId === null) return;
  const incident = await incidentById(tx, incidentId);
  if (!incident) return;
  const what = ACTION_NAMES[message.kind] ?? message.kind;
  const hint =
    error.code === "not_in_channel" || error.code === "channel_not_found"
      ? " Invite the bot to that channel (or check INCIDENT_ANNOUNCE_CHANNEL)."
      : error.code === "missing_scope"
        ? " The Slack app lacks a permission: reinstall it from the manifest."
        : "";
  const to = message.kind === "page.notify" ? ` to <@${String(message.payload.userId)}>` : "";
  const text = `:warning: ${incidentRef(incident.number)}: I could not ${what}${to} (${error.code}).${hint}`;
  const channel = incident.channelId && message.kind !== "incident.create_channel" ? incident.channelId : incident.commanderId;
  await enqueue(tx, [{ key: `report:${message.id}`, kind: "slack.post", incidentId: null, payload: { channel, text } }], now);
};
