// The declare modal's submission. Problems are shown on the form's fields; a modal submitted
// twice declares one incident.
import type { App } from "@slack/bolt";
import { SEVERITIES, type Severity } from "../../incidents/lifecycle.ts";
import { ACTIONS } from "../../incidents/views.ts";
import { Refusal } from "../../incidents/service.ts";
import { ACTION_ITEM_TYPES, type ActionItemType } from "../../postmortem/draft/index.ts";
import { addActionItem } from "../../postmortem/service.ts";
import type { BotDeps } from "../app.ts";

type Values = Record<string, Record<string, { value?: string | null; selected_option?: { value: string } | null; selected_user?: string | null }>>;

export function registerViews(app: App, deps: BotDeps): void {
  const { incidents, afterWrite, log, db, clock } = deps;

  app.view(ACTIONS.actionItemView, async ({ ack, body, view }) => {
    const values = view.state.values as Values;
    const text = (values.text?.value?.value ?? "").trim();
    const ownerId = values.owner?.value?.selected_user || null;
    const type = (values.type?.value?.selected_option?.value ?? "prevent") as ActionItemType;
    if (!text) return void (await ack({ response_action: "errors", errors: { text: "Say what should be done." } }));
    if (!ACTION_ITEM_TYPES.includes(type)) return void (await ack({ response_action: "errors", errors: { type: `Pick one of ${ACTION_ITEM_TYPES.join(", ")}.` } }));
    let incidentId: number;
    try {
      incidentId = Number(JSON.parse(view.private_metadata).incidentId);
    } catch {
      return void (await ack({ response_action: "errors", errors: { text: "This form is out of date; open it again from the incident's card." } }));
    }
    try {
      await addActionItem(db, clock, incidentId, { text, ownerId, type }, body.user.id, `view:${view.id}`);
      afterWrite();
      await ack();
    } catch (err) {
      if (err instanceof Refusal && /already added/.test(err.message)) return void (await ack());
      if (!(err instanceof Refusal)) log.error(`action item from the form failed: ${(err as Error).stack}`);
      await ack({ response_action: "errors", errors: { text: err instanceof Refusal ? err.message : "Something went wrong on our side; nothing was added. Please submit again." } });
    }
  });

  app.view(ACTIONS.declareView, async ({ ack, body, view }) => {
    const values = view.state.values as Values;
    const title = (values.title?.value?.value ?? "").trim();
    const severity = values.severity?.value?.selected_option?.value as Severity | undefined;
    const description = (values.description?.value?.value ?? "").trim() || null;
    const commanderId = values.commander?.value?.selected_user || body.user.id;
    const errors: Record<string, string> = {};
    if (!title) errors.title = "Give the incident a title.";
    else if (title.length > 200) errors.title = "Keep the title under 200 characters.";
    if (!severity || !SEVERITIES.includes(severity)) errors.severity = "Pick a severity from SEV1 (highest) to SEV4.";
    if (Object.keys(errors).length > 0) {
      await ack({ response_action: "errors", errors });
      return;
    }
    try {
      await incidents.declare({ title, severity: severity!, description, commanderId, declaredById: body.user.id }, `view:${view.id}`);
      afterWrite();
      await ack();
    } catch (err) {
      log.error(`declare from the modal failed: ${(err as Error).stack}`);
      await ack({ response_action: "errors", errors: { title: "Something went wrong on our side; nothing was declared. Please submit again." } });
    }
  });
}
