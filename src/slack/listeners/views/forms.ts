// Form submissions (the declare form and the action item form). Problems are shown on the form's
// fields; a form submitted twice does its work once (the view id is the request's key).
import { incidentRef, SEVERITIES, type Severity } from "../../../incidents/lifecycle.ts";
import type { RequestLogger } from "../../../log.ts";
import { ACTION_ITEM_TYPES, type ActionItemType } from "../../../incidents/timeline.ts";
import { isUserError } from "../../../errors.ts";
import { MAX_TEXT } from "../../grammar.ts";
import type { SlackActor } from "../../actors.ts";
import type { ListenerContext } from "../context.ts";

export type FormValues = Record<
  string,
  Record<string, { value?: string | null; selected_option?: { value: string } | null; selected_options?: { value: string }[] | null; selected_user?: string | null }>
>;

export interface Submission {
  userId: string;
  actor: SlackActor;
  viewId: string;
  values: FormValues;
  privateMetadata: string;
  services: ListenerContext;
  /** The request's logger (it names the incident once known). */
  log: RequestLogger;
}

/** Nothing to say (the form closes), or problems by field. */
export type FormAnswer = { errors: Record<string, string> } | null;

export async function declareForm(s: Submission): Promise<FormAnswer> {
  const title = (s.values.title?.value?.value ?? "").trim();
  const severity = s.values.severity?.value?.selected_option?.value as Severity | undefined;
  const description = (s.values.description?.value?.value ?? "").trim() || null;
  const commanderId = s.values.commander?.value?.selected_user || s.userId;
  const isPrivate = (s.values.private?.value?.selected_options ?? []).some((o) => o.value === "private");
  const errors: Record<string, string> = {};
  if (!title) errors.title = "Give the incident a title.";
  else if (title.length > 200) errors.title = "Keep the title under 200 characters.";
  if (!severity || !SEVERITIES.includes(severity)) errors.severity = "Pick a severity from SEV1 (highest) to SEV4.";
  if (Object.keys(errors).length > 0) return { errors };
  try {
    const input = { title, severity: severity!, description, commanderId, private: isPrivate };
    const meta = parseMetadata(s.privateMetadata);
    // From an alerts' page: the incident takes their page and service, and pages nobody again.
    const { incident } = meta.alertGroupId
      ? await s.services.alerts.declareFromGroup(Number(meta.alertGroupId), { ...input, service: typeof meta.service === "string" ? meta.service : null }, s.actor, `view:${s.viewId}`)
      : await s.services.incidents.declare(input, s.actor, `view:${s.viewId}`);
    s.log.bind({ incident: incidentRef(incident.number) });
    return null;
  } catch (err) {
    if (isUserError(err)) return { errors: { title: err.message } };
    s.log.bind({ outcome: "error" });
    s.log.error(`declare from the modal failed: ${String(err)}`, { err });
    return { errors: { title: "Something went wrong on our side; nothing was declared. Please submit again." } };
  }
}

function parseMetadata(text: string): Record<string, unknown> {
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export async function actionItemForm(s: Submission): Promise<FormAnswer> {
  const text = (s.values.text?.value?.value ?? "").trim();
  const ownerId = s.values.owner?.value?.selected_user || null;
  const type = (s.values.type?.value?.selected_option?.value ?? "prevent") as ActionItemType;
  if (!text) return { errors: { text: "Say what should be done." } };
  if (!ACTION_ITEM_TYPES.includes(type)) return { errors: { type: `Pick one of ${ACTION_ITEM_TYPES.join(", ")}.` } };
  let incidentId: number;
  try {
    incidentId = Number(JSON.parse(s.privateMetadata).incidentId);
  } catch {
    return { errors: { text: "This form is out of date; open it again from the incident's card." } };
  }
  try {
    await s.services.postmortems.addActionItem(incidentId, { text, ownerId, type }, s.actor, `view:${s.viewId}`);
    return null;
  } catch (err) {
    if (isUserError(err) && err.code === "duplicate") return null; // the same form submitted twice
    if (isUserError(err)) return { errors: { text: err.message } };
    s.log.bind({ outcome: "error" });
    s.log.error(`action item from the form failed: ${String(err)}`, { err });
    return { errors: { text: "Something went wrong on our side; nothing was added. Please submit again." } };
  }
}

/** The status update a reminder's Post update button asked for. */
export async function updateForm(s: Submission): Promise<FormAnswer> {
  const text = (s.values.text?.value?.value ?? "").trim();
  if (!text) return { errors: { text: "Say how things stand." } };
  if (text.length > MAX_TEXT) return { errors: { text: `Keep it under ${MAX_TEXT} characters.` } };
  let incidentId: number;
  try {
    incidentId = Number(JSON.parse(s.privateMetadata).incidentId);
  } catch {
    return { errors: { text: "This form is out of date; use `/incident update <text>`." } };
  }
  try {
    const { incident } = await s.services.incidents.change(incidentId, { kind: "status_update", text }, s.actor, `view:${s.viewId}`);
    s.log.bind({ incident: incidentRef(incident.number) });
    return null;
  } catch (err) {
    if (isUserError(err)) return { errors: { text: err.message } };
    s.log.bind({ outcome: "error" });
    s.log.error(`status update from the form failed: ${String(err)}`, { err });
    return { errors: { text: "Something went wrong on our side; nothing was posted. Please submit again." } };
  }
}
