// The buttons of a status update reminder: Post update (opens the form) and Snooze 15 min.
import { incidentRef } from "../../../incidents/lifecycle.ts";
import { updateModal } from "../../../reminders/views.ts";
import type { Reply } from "../../reply.ts";
import type { ClickContext } from "./incident.ts";

/** The incident a reminder's button names, if this person may see it. */
async function incidentOf(raw: string | undefined, ctx: ClickContext) {
  let id: number;
  try {
    id = Number(JSON.parse(raw ?? "").incidentId);
  } catch {
    return null;
  }
  const incident = Number.isSafeInteger(id) ? await ctx.services.incidents.byId(id) : null;
  if (!incident || !(await ctx.services.incidents.canSee(incident, ctx.actor))) return null;
  ctx.log.bind({ incident: incidentRef(incident.number) });
  return incident;
}

export async function snoozeButton(raw: string | undefined, ctx: ClickContext): Promise<Reply | null> {
  const incident = await incidentOf(raw, ctx);
  if (!incident) return { text: "That reminder is out of date." };
  const snoozed = await ctx.services.reminders.snooze(incident, ctx.actor);
  return { text: snoozed ? `${incidentRef(incident.number)}: the update reminder is snoozed for 15 minutes.` : `${incidentRef(incident.number)} has no update reminder due any more.` };
}

/** Post update: the form to open, or null when the incident is gone. */
export async function postUpdateForm(raw: string | undefined, ctx: ClickContext) {
  const incident = await incidentOf(raw, ctx);
  return incident ? updateModal(incident) : null;
}
