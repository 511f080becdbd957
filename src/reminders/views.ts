// What reminders say: the nudges (the update one with Post update and Snooze 15 min), the overdue
// action item's direct message, and the form Post update opens. Pure.
import type { KnownBlock, ModalView } from "@slack/types";
import { incidentRef } from "../incidents/lifecycle.ts";
import { escapeMrkdwn, user } from "../incidents/views.ts";
import type { Nudge, RemindedIncident, UpdateCadence } from "./plan.ts";

export const REMINDER_ACTIONS = {
  postUpdate: "reminder_post_update",
  snooze: "reminder_snooze",
  updateView: "reminder_update_view",
} as const;

const minutes = (seconds: number): string => (seconds % 3600 === 0 ? `${seconds / 3600} h` : `${Math.round(seconds / 60)} min`);

/** The text (and blocks) of a due reminder's nudge. */
export function nudgeMessage(nudge: Nudge, incident: RemindedIncident, cadence: UpdateCadence): { text: string; blocks?: KnownBlock[] } {
  const ref = incidentRef(incident.number);
  const who = user(nudge.userId);
  switch (nudge.kind) {
    case "update": {
      const every = cadence[incident.severity];
      const text = `:bell: ${who} ${ref} (${incident.severity}) has had no status update for ${every ? minutes(every) : "a while"}. Post one for the people waiting on it: \`/incident update <text>\`.`;
      const value = JSON.stringify({ incidentId: incident.id });
      return {
        text,
        blocks: [
          { type: "section", text: { type: "mrkdwn", text } },
          {
            type: "actions",
            block_id: `reminder_${incident.id}`,
            elements: [
              { type: "button", style: "primary", text: { type: "plain_text", text: "Post update" }, action_id: REMINDER_ACTIONS.postUpdate, value },
              { type: "button", text: { type: "plain_text", text: "Snooze 15 min" }, action_id: REMINDER_ACTIONS.snooze, value },
            ],
          },
        ],
      };
    }
    case "roles":
      return { text: `:busts_in_silhouette: ${who} ${ref} is a ${incident.severity} without a communications lead. Name one so you can focus on the fix: \`/incident role comms @user\`.` };
    case "close":
      return { text: `:white_check_mark: ${who} ${ref} was resolved a day ago and is still not closed. Close it to write the postmortem draft: \`/incident close\`.` };
    case "review":
      return { text: `:memo: ${who} ${ref} was closed 5 business days ago and its postmortem is not marked reviewed. Once it has been reviewed: \`/incident postmortem reviewed\`.` };
    case "action_item":
      throw new Error("action items are said by actionItemMessage");
  }
}

/** The direct message for an overdue action item. */
export function actionItemMessage(item: { id: number; text: string; dueOn: Date | null }, incidentNumber: number): string {
  const due = item.dueOn ? item.dueOn.toISOString().slice(0, 10) : "an earlier day";
  return `:alarm_clock: Action item #${item.id} of ${incidentRef(incidentNumber)} was due ${due} and is not done: ${escapeMrkdwn(item.text)}. When it is: \`/incident action done ${item.id}\`. (I will remind you weekly.)`;
}

/** The form Post update opens. */
export function updateModal(incident: { id: number; number: number }): ModalView {
  return {
    type: "modal",
    callback_id: REMINDER_ACTIONS.updateView,
    title: { type: "plain_text", text: `Update: ${incidentRef(incident.number)}`.slice(0, 24) },
    submit: { type: "plain_text", text: "Post" },
    close: { type: "plain_text", text: "Cancel" },
    private_metadata: JSON.stringify({ incidentId: incident.id }),
    blocks: [{ type: "input", block_id: "text", label: { type: "plain_text", text: "Status update" }, element: { type: "plain_text_input", action_id: "value", multiline: true, max_length: 2900 } }],
  };
}
