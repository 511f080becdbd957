// Modal submissions: each form's handler says whether the form closes or which fields are wrong.
import type { App } from "@slack/bolt";
import { ACTIONS } from "../../../incidents/views.ts";
import { requestLogOf } from "../../request-log.ts";
import type { ListenerContext } from "../context.ts";
import { REMINDER_ACTIONS } from "../../../reminders/views.ts";
import { actionItemForm, declareForm, updateForm, type FormAnswer, type FormValues, type Submission } from "./forms.ts";

export function registerViews(app: App, services: ListenerContext): void {
  const listen = (callbackId: string, form: (s: Submission) => Promise<FormAnswer>) =>
    app.view(callbackId, async ({ ack, body, view, context }) => {
      const log = requestLogOf(context, services.log);
      const actor = await services.actors.of(body.user.id, body.user.team_id ?? body.team?.id ?? null);
      const answer = await form({ userId: body.user.id, actor, viewId: view.id, values: view.state.values as FormValues, privateMetadata: view.private_metadata, services, log });
      // (a form that failed on our side has said so already)
      if (log.bindings().outcome === undefined) log.bind({ outcome: answer ? "user_error" : "ok" });
      await ack(answer ? { response_action: "errors", errors: answer.errors } : undefined);
    });
  listen(ACTIONS.declareView, declareForm);
  listen(ACTIONS.actionItemView, actionItemForm);
  listen(REMINDER_ACTIONS.updateView, updateForm);
}
