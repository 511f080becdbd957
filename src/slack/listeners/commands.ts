// `/incident …`: parse, validate, act, answer. Bad input is answered with what would work, and
// nothing is written.
import type { App } from "@slack/bolt";
import { incidentRef, type Change } from "../../incidents/lifecycle.ts";
import { Refusal } from "../../incidents/service.ts";
import { changeSummary, declareModal, escapeMrkdwn, incidentCard, incidentListText, timelineText } from "../../incidents/views.ts";
import { helpText, parseCommand, type Command } from "../grammar.ts";
import { addOverride, listOverrides, listSchedules, loadSchedule, removeOverride } from "../../oncall/store.ts";
import { oncallText, parseOverrideWindow } from "../../oncall/views.ts";
import { addActionItem, requestPostmortemExport } from "../../postmortem/service.ts";
import { answerWithin, type Reply } from "../reply.ts";
import type { BotDeps } from "../app.ts";

export function registerCommands(app: App, deps: BotDeps): void {
  const { incidents, escalation, afterWrite, log, db, clock } = deps;

  /** The asker's time zone, from their Slack profile (null when Slack does not say). */
  async function zoneOf(client: App["client"], userId: string): Promise<string | null> {
    try {
      const res = await client.users.info({ user: userId });
      return (res.user as { tz?: string } | undefined)?.tz ?? null;
    } catch {
      return null;
    }
  }

  async function oncall(name: string | null, userId: string, client: App["client"]): Promise<Reply> {
    const now = clock.now();
    const window = { from: now, to: new Date(now.getTime() + 90 * 86_400_000) };
    const names = name ? [name] : (await listSchedules(db)).map((s) => s.name);
    if (names.length === 0) return { text: "No schedules yet. Describe your rota in a file (see `examples/rota.yaml`) and apply it with `incident-bot rota apply <file>`." };
    const askerZone = await zoneOf(client, userId);
    const parts: string[] = [];
    for (const n of names) {
      const schedule = await loadSchedule(db, n, window);
      if (!schedule) {
        const known = (await listSchedules(db)).map((s) => s.name);
        return { text: `There is no schedule \`${n}\`. Schedules: ${known.join(", ") || "none"}.` };
      }
      const overrides = await listOverrides(db, n, { from: now });
      parts.push(oncallText(schedule, now, askerZone, overrides.map((o) => ({ id: o.id, user: o.user, start: o.start, end: o.end, source: o.source }))));
    }
    return { text: parts.join("\n\n") };
  }

  app.command("/incident", async ({ command, ack, client, body }) => {
    const parsed = parseCommand(command.text ?? "");
    if (!parsed.ok) {
      await ack({ response_type: "ephemeral", text: `${parsed.error}` });
      return;
    }
    const cmd = parsed.command;
    if (cmd.verb === "declare-modal") {
      await ack();
      try {
        await client.views.open({ trigger_id: body.trigger_id, view: declareModal({ channelId: command.channel_id, userId: command.user_id }) as never });
      } catch (err) {
        log.error(`could not open the declare modal: ${(err as Error).message}`);
      }
      return;
    }
    // Slack sends a trigger id with every invocation, and the same one when it retries.
    const requestKey = body.trigger_id ? `command:${body.trigger_id}` : undefined;
    await answerWithin(
      ack as never,
      () => run(cmd, { userId: command.user_id, channelId: command.channel_id, requestKey, client }),
      (reply) => client.chat.postEphemeral({ channel: command.channel_id, user: command.user_id, text: reply.text }).then(() => undefined),
      log,
    );
  });

  async function change(incidentNumber: number | null, channelId: string, change: Change, userId: string, requestKey: string | undefined): Promise<Reply> {
    const target = await incidents.resolveTarget(channelId, incidentNumber);
    const result = await incidents.change(target.id, change, userId, requestKey);
    afterWrite();
    if (result.duplicate) return { text: `${incidentRef(result.incident.number)}: already done.` };
    const elsewhere = target.channelId !== channelId;
    return { text: changeSummary(result.incident, result.events), inChannel: !elsewhere && change.kind !== "note" };
  }

  async function run(cmd: Command, ctx: { userId: string; channelId: string; requestKey: string | undefined; client: App["client"] }): Promise<Reply> {
    const { userId, channelId, requestKey } = ctx;
    switch (cmd.verb) {
      case "help":
        return { text: helpText() };
      case "declare": {
        const { incident, duplicate } = await incidents.declare(
          { title: cmd.title, severity: cmd.severity ?? "SEV3", commanderId: cmd.commanderId, service: cmd.service, declaredById: userId },
          requestKey,
        );
        afterWrite();
        const ref = incidentRef(incident.number);
        return {
          text: `${duplicate ? "Already declared: " : ""}*${ref}* declared (${incident.severity}${cmd.severity ? "" : ", the default; change it with `/incident sev <1-4>`"}) with <@${incident.commanderId}> as commander. Its channel is #${incident.channelName}.`,
        };
      }
      case "commander":
        return change(cmd.incident, channelId, { kind: "commander", to: cmd.userId }, userId, requestKey);
      case "role":
        return change(cmd.incident, channelId, { kind: "role", role: cmd.role, to: cmd.userId }, userId, requestKey);
      case "sev":
        return change(cmd.incident, channelId, { kind: "severity", to: cmd.severity }, userId, requestKey);
      case "status":
        return change(
          cmd.incident,
          channelId,
          cmd.status === "resolved" ? { kind: "resolve" } : cmd.status === "closed" ? { kind: "close" } : { kind: "status", to: cmd.status },
          userId,
          requestKey,
        );
      case "update":
        return { ...(await change(cmd.incident, channelId, { kind: "status_update", text: cmd.text }, userId, requestKey)), inChannel: false, text: "Status update posted." };
      case "note":
        return change(cmd.incident, channelId, { kind: "note", text: cmd.text }, userId, requestKey);
      case "resolve":
        return change(cmd.incident, channelId, { kind: "resolve", text: cmd.text ?? undefined }, userId, requestKey);
      case "reopen":
        return change(cmd.incident, channelId, { kind: "reopen" }, userId, requestKey);
      case "close":
        return change(cmd.incident, channelId, { kind: "close" }, userId, requestKey);
      case "list":
        return { text: incidentListText(await incidents.listOpen()) };
      case "show": {
        const incident = await incidents.resolveTarget(channelId, cmd.incident);
        const card = incidentCard(incident);
        return { text: card.text, blocks: card.blocks.filter((b) => b.type !== "actions") };
      }
      case "timeline": {
        const incident = await incidents.resolveTarget(channelId, cmd.incident);
        return { text: timelineText(incident, await incidents.timeline(incident.id)) };
      }
      case "oncall":
        return oncall(cmd.schedule, userId, ctx.client);
      case "override": {
        const schedule = await loadSchedule(db, cmd.schedule);
        if (!schedule) {
          const known = (await listSchedules(db)).map((s) => s.name);
          throw new Refusal(`There is no schedule \`${cmd.schedule}\`. Schedules: ${known.join(", ") || "none (apply a rota file first)"}.`);
        }
        const window = parseOverrideWindow(cmd.from, cmd.to, schedule.timezone, clock.now());
        if ("error" in window) throw new Refusal(window.error);
        const { id } = await addOverride(db, { schedule: cmd.schedule, userId: cmd.userId, start: window.start, end: window.end, createdById: userId, createdAt: clock.now() });
        return { text: `Override #${id}: <@${cmd.userId}> covers *${cmd.schedule}* from ${window.start.toISOString()} to ${window.end.toISOString()}.`, inChannel: true };
      }
      case "override-remove": {
        const removed = await removeOverride(db, cmd.id);
        return { text: `Removed override #${removed.id} (<@${removed.user}> on ${removed.schedule}).`, inChannel: true };
      }
      case "page": {
        const target = await incidents.resolveTarget(channelId, cmd.incident);
        const { page, notified } = await escalation.page(target.id, cmd.target, userId, cmd.message, requestKey);
        afterWrite();
        const who = notified.length ? notified.map((u) => `<@${u}>`).join(", ") : "nobody (nobody is on call at the first level; it will escalate)";
        return { text: `${incidentRef(target.number)}: paging ${page.target} — notified ${who}.`, inChannel: target.channelId === channelId };
      }
      case "ack": {
        const target = await incidents.resolveTarget(channelId, cmd.incident);
        const { pages } = await escalation.acknowledge({ incidentId: target.id }, userId);
        afterWrite();
        return { text: `${incidentRef(target.number)}: acknowledged by <@${userId}>; escalation stopped (${pages.map((p) => p.target).join(", ")}).`, inChannel: target.channelId === channelId };
      }
      case "action": {
        const target = await incidents.resolveTarget(channelId, cmd.incident);
        const { id } = await addActionItem(db, clock, target.id, { text: cmd.text, ownerId: cmd.ownerId, type: cmd.type }, userId, requestKey);
        afterWrite();
        return { text: `${incidentRef(target.number)}: action item #${id} (${cmd.type}${cmd.ownerId ? `, <@${cmd.ownerId}>` : ", no owner yet"}) recorded for the postmortem.`, inChannel: target.channelId === channelId };
      }
      case "actions": {
        const target = await incidents.resolveTarget(channelId, cmd.incident);
        const items = await db.actionItem.findMany({ where: { incidentId: target.id }, orderBy: { id: "asc" } });
        if (items.length === 0) return { text: `${incidentRef(target.number)} has no action items yet: \`/incident action <text> [@owner] [type:…]\`.` };
        return { text: [`*Action items of ${incidentRef(target.number)}*`, ...items.map((i) => `• #${i.id} ${i.type}: ${escapeMrkdwn(i.text)} — ${i.ownerId ? `<@${i.ownerId}>` : "no owner yet"}`)].join("\n") };
      }
      case "postmortem": {
        const target = await incidents.resolveTarget(channelId, cmd.incident);
        await requestPostmortemExport(db, clock, target.id, userId);
        afterWrite();
        return { text: `${incidentRef(target.number)}: writing the postmortem draft${target.postmortemLocation ? ` (updating ${target.postmortemLocation})` : ""}; its link will be posted in the incident channel and added to the card.` };
      }
      case "declare-modal":
        throw new Refusal("unreachable");
    }
  }
}
