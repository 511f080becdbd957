// Buttons and menus on the incident card. A click that asks for the state the incident is
// already in (a double click) changes nothing and posts nothing.
import type { App, BlockAction, ButtonAction, StaticSelectAction } from "@slack/bolt";
import type { Change, Severity, Status } from "../../incidents/lifecycle.ts";
import { Refusal } from "../../incidents/service.ts";
import { ACTIONS, actionItemModal, PAGE_ACTIONS, type ButtonValue } from "../../incidents/views.ts";
import type { BotDeps } from "../app.ts";

function parseValue(raw: string | undefined): ButtonValue | null {
  try {
    const v = JSON.parse(raw ?? "");
    return typeof v?.incidentId === "number" && typeof v?.to === "string" ? v : null;
  } catch {
    return null;
  }
}

export function registerActions(app: App, deps: BotDeps): void {
  const { incidents, escalation, afterWrite, log } = deps;

  async function act(body: BlockAction, value: ButtonValue | null, toChange: (current: Status) => Change | null, client: App["client"]) {
    const userId = body.user.id;
    const channelId = body.channel?.id ?? body.container?.channel_id;
    const reply = async (text: string) => {
      if (channelId) await client.chat.postEphemeral({ channel: channelId, user: userId, text }).catch((err) => log.warn(`ephemeral reply failed: ${err.message}`));
    };
    if (!value) return reply("That button is out of date; use `/incident help` for the commands.");
    const incident = await incidents.byId(value.incidentId);
    if (!incident) return reply("That incident no longer exists.");
    const change = toChange(incident.status);
    if (!change) return; // already in that state: a second click of the same button
    if (change.kind === "severity" && incident.severity === change.to) return;
    try {
      await incidents.change(incident.id, change, userId, `action:${body.trigger_id}`);
      afterWrite();
    } catch (err) {
      if (err instanceof Refusal) return reply(err.message);
      log.error(`action failed: ${(err as Error).stack}`);
      return reply("Something went wrong on our side and nothing was changed. Please try again.");
    }
  }

  app.action<BlockAction<ButtonAction>>(new RegExp(`^${ACTIONS.status}:`), async ({ ack, body, action, client }) => {
    await ack();
    const value = parseValue(action.value);
    await act(body, value, (current) => {
      const to = value!.to as Status;
      if (current === to) return null;
      if (to === "resolved") return { kind: "resolve" };
      if (to === "closed") return { kind: "close" };
      if (current === "resolved" && to === "investigating") return { kind: "reopen" };
      return { kind: "status", to };
    }, client);
  });

  // Page buttons, in the paged person's direct messages. The first acknowledgement wins; a later
  // click is told who was first.
  const pageButton = (kind: "acknowledge" | "escalate") =>
    app.action<BlockAction<ButtonAction>>(PAGE_ACTIONS[kind], async ({ ack, body, action, client }) => {
      await ack();
      const pageId = Number(action.value);
      const userId = body.user.id;
      const channelId = body.channel?.id ?? body.container?.channel_id;
      try {
        if (kind === "acknowledge") await escalation.acknowledge({ pageId }, userId);
        else await escalation.escalateNow(pageId, userId);
        afterWrite();
      } catch (err) {
        const text = err instanceof Refusal ? err.message : "Something went wrong on our side; nothing was changed. Try `/incident ack` in the incident channel.";
        if (!(err instanceof Refusal)) log.error(`page ${kind} failed: ${(err as Error).stack}`);
        if (channelId) await client.chat.postEphemeral({ channel: channelId, user: userId, text }).catch((e) => log.warn(`ephemeral reply failed: ${e.message}`));
      }
    });
  pageButton("acknowledge");
  pageButton("escalate");

  app.action<BlockAction<ButtonAction>>(ACTIONS.addActionItem, async ({ ack, body, action, client }) => {
    await ack();
    const value = parseValue(action.value);
    const incident = value ? await incidents.byId(value.incidentId) : null;
    if (!incident) return;
    await client.views.open({ trigger_id: body.trigger_id, view: actionItemModal(incident) as never }).catch((err) => log.error(`could not open the action item form: ${err.message}`));
  });

  app.action<BlockAction<StaticSelectAction>>(ACTIONS.severity, async ({ ack, body, action, client }) => {
    await ack();
    const value = parseValue(action.selected_option?.value);
    await act(body, value, () => ({ kind: "severity", to: value!.to as Severity }), client);
  });
}
