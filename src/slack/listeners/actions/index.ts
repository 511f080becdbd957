// Interactions on messages: the card's buttons and menu, the page buttons and the swap buttons. Each is
// acknowledged at once; what the click did (or why it could not) is answered to that person only.
import type { App, BlockAction, ButtonAction, StaticSelectAction } from "@slack/bolt";
import type { View } from "@slack/types";
import { ACTIONS, PAGE_ACTIONS } from "../../../incidents/views.ts";
import { SWAP_ACTIONS } from "../../../oncall/swaps.ts";
import { handle, type Reply } from "../../reply.ts";
import { requestLogOf } from "../../request-log.ts";
import type { ListenerContext } from "../context.ts";
import { actionItemForm, severityMenu, statusButton, type ClickContext } from "./incident.ts";
import { acceptSwapButton, declineSwapButton, SWAP_APOLOGY } from "./swaps.ts";
import { acknowledgeButton, declareFromAlertsForm, escalateButton, PAGE_APOLOGY } from "./paging.ts";
import { ALERT_ACTIONS } from "../../../alerts/views.ts";
import { postUpdateForm, snoozeButton } from "./reminders.ts";
import { REMINDER_ACTIONS } from "../../../reminders/views.ts";

type Click = (raw: string | undefined, ctx: ClickContext) => Promise<Reply | null>;

export function registerActions(app: App, services: ListenerContext): void {
  /** Acknowledges, runs the handler, and answers the clicker privately when there is something to say. */
  function listen(matcher: string | RegExp, click: Click, apology: string, valueOf: (body: BlockAction) => string | undefined) {
    app.action<BlockAction>(matcher, async ({ ack, body, client, context }) => {
      const log = requestLogOf(context, services.log);
      await ack();
      const reply = await handle(
        async () => {
          const actor = await services.actors.of(body.user.id, body.user.team_id ?? body.team?.id ?? null);
          return click(valueOf(body), { userId: body.user.id, actor, triggerId: body.trigger_id, services, log });
        },
        { log, what: `the ${String(matcher)} action`, apology },
      );
      const channel = body.channel?.id ?? body.container?.channel_id;
      if (reply && channel) {
        await client.chat.postEphemeral({ channel, user: body.user.id, text: reply.text }).catch((err) => log.warn(`ephemeral reply failed: ${(err as Error).message}`));
      }
    });
  }
  const button = (body: BlockAction) => (body.actions[0] as ButtonAction).value;
  const option = (body: BlockAction) => (body.actions[0] as StaticSelectAction).selected_option?.value;
  const NO_CHANGE = "Something went wrong on our side and nothing was changed. Please try again.";

  listen(new RegExp(`^${ACTIONS.status}:`), statusButton, NO_CHANGE, button);
  listen(ACTIONS.severity, severityMenu, NO_CHANGE, option);
  listen(PAGE_ACTIONS.acknowledge, acknowledgeButton, PAGE_APOLOGY, button);
  listen(PAGE_ACTIONS.escalate, escalateButton, PAGE_APOLOGY, button);
  listen(SWAP_ACTIONS.accept, acceptSwapButton, SWAP_APOLOGY, button);
  listen(SWAP_ACTIONS.decline, declineSwapButton, SWAP_APOLOGY, button);
  listen(REMINDER_ACTIONS.snooze, snoozeButton, NO_CHANGE, button);

  /** A button that opens a form. */
  function opens(actionId: string, form: (raw: string | undefined, ctx: ClickContext) => Promise<View | null>, what: string) {
    app.action<BlockAction<ButtonAction>>(actionId, async ({ ack, body, action, client, context }) => {
      const log = requestLogOf(context, services.log);
      await ack();
      try {
        const actor = await services.actors.of(body.user.id, body.user.team_id ?? body.team?.id ?? null);
        const view = await form(action.value, { userId: body.user.id, actor, triggerId: body.trigger_id, services, log });
        if (view) await client.views.open({ trigger_id: body.trigger_id, view });
      } catch (err) {
        log.bind({ outcome: "error" });
        log.error(`could not open the ${what} form: ${(err as Error).message}`);
      }
    });
  }
  opens(ACTIONS.addActionItem, actionItemForm, "action item");
  opens(REMINDER_ACTIONS.postUpdate, postUpdateForm, "status update");
  // "Declare incident" on an alerts' page: the declare form, started from the alerts.
  opens(ALERT_ACTIONS.declare, declareFromAlertsForm, "declare (from alerts)");
}
