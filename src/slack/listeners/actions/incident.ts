// Buttons and menus on the incident card. A click that asks for the state the incident is
// already in (a double click) changes nothing and posts nothing.
import { incidentRef, type Change, type Severity, type Status } from "../../../incidents/lifecycle.ts";
import type { RequestLogger } from "../../../log.ts";
import { actionItemModal, type ButtonValue } from "../../../incidents/views.ts";
import type { SlackActor } from "../../actors.ts";
import type { Reply } from "../../reply.ts";
import type { ListenerContext } from "../context.ts";

export interface ClickContext {
  userId: string;
  actor: SlackActor;
  /** The click's trigger id: a click Slack delivers twice carries the same one. */
  triggerId: string;
  services: ListenerContext;
  /** The request's logger: it names the incident once the click's value says which. */
  log: RequestLogger;
}

/** The value a card button or menu option carries, or null when it is not one of ours (or out of date). */
export function parseButtonValue(raw: string | undefined): ButtonValue | null {
  try {
    const v = JSON.parse(raw ?? "");
    return typeof v?.incidentId === "number" && typeof v?.to === "string" ? v : null;
  } catch {
    return null;
  }
}

const OUT_OF_DATE: Reply = { text: "That button is out of date; use `/incident help` for the commands." };

/** Applies the change a click asks for, unless the incident is already there. */
async function act(value: ButtonValue | null, toChange: (current: Status) => Change | null, ctx: ClickContext): Promise<Reply | null> {
  const { incidents } = ctx.services;
  if (!value) return OUT_OF_DATE;
  const incident = await incidents.byId(value.incidentId);
  if (!incident) return { text: "That incident no longer exists." };
  ctx.log.bind({ incident: incidentRef(incident.number) });
  const change = toChange(incident.status);
  if (!change) return null; // already in that state: a second click of the same button
  if (change.kind === "severity" && incident.severity === change.to) return null;
  await incidents.change(incident, change, ctx.actor, `action:${ctx.triggerId}`);
  return null;
}

/** A status button: Identified, Monitoring, Resolve, Close, Reopen… */
export function statusButton(raw: string | undefined, ctx: ClickContext): Promise<Reply | null> {
  const value = parseButtonValue(raw);
  return act(
    value,
    (current) => {
      const to = value!.to as Status;
      if (current === to) return null;
      if (to === "resolved") return { kind: "resolve" };
      if (to === "closed") return { kind: "close" };
      if (current === "resolved" && to === "investigating") return { kind: "reopen" };
      return { kind: "status", to };
    },
    ctx,
  );
}

/** The severity menu. */
export function severityMenu(raw: string | undefined, ctx: ClickContext): Promise<Reply | null> {
  const value = parseButtonValue(raw);
  return act(value, () => ({ kind: "severity", to: value!.to as Severity }), ctx);
}

/** "Add action item": the form to open, or null when the incident is gone. */
export async function actionItemForm(raw: string | undefined, ctx: ClickContext) {
  const value = parseButtonValue(raw);
  const incident = value ? await ctx.services.incidents.byId(value.incidentId) : null;
  if (!incident || !(await ctx.services.incidents.canSee(incident, ctx.actor))) return null;
  ctx.log.bind({ incident: incidentRef(incident.number) });
  return actionItemModal(incident);
}
