// The declare modal's submission. Problems are shown on the form's fields; a modal submitted
// twice declares one incident.
import type { App } from "@slack/bolt";
import { SEVERITIES, type Severity } from "../../incidents/lifecycle.ts";
import { ACTIONS } from "../../incidents/views.ts";
import type { BotDeps } from "../app.ts";

type Values = Record<string, Record<string, { value?: string | null; selected_option?: { value: string } | null; selected_user?: string | null }>>;

export function registerViews(app: App, deps: BotDeps): void {
  const { incidents, outbox, log } = deps;

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
      outbox.kick();
      await ack();
    } catch (err) {
      log.error(`declare from the modal failed: ${(err as Error).stack}`);
      await ack({ response_action: "errors", errors: { title: "Something went wrong on our side; nothing was declared. Please submit again." } });
    }
  });
}
