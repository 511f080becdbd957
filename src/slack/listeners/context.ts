// What every listener is given: the services, the Slack users directory, who is asking. (What a
// write causes is delivered after its commit: see onCommit in db/tx.ts.)
import type { AlertService } from "../../alerts/service.ts";
import type { Clock } from "../../clock.ts";
import type { OutboxEntry } from "../../db/outbox.ts";
import type { EscalationService } from "../../escalation/service.ts";
import type { IncidentService } from "../../incidents/service.ts";
import type { Logger } from "../../log.ts";
import type { OnCallService } from "../../oncall/service.ts";
import type { PostmortemService } from "../../postmortem/service.ts";
import type { ReminderService } from "../../reminders/service.ts";
import type { ReportService } from "../../report/service.ts";
import type { SloService } from "../../slo/service.ts";
import type { SlackActors } from "../actors.ts";
import type { SlackUsers } from "../users.ts";

export interface Services {
  incidents: IncidentService;
  escalation: EscalationService;
  oncall: OnCallService;
  postmortems: PostmortemService;
  reminders: ReminderService;
  slo: SloService;
  reports: ReportService;
  alerts: AlertService;
}

export interface ListenerContext extends Services {
  users: SlackUsers;
  /** Who is asking, as the access rules see them (built once per request). */
  actors: SlackActors;
  /** Records Slack messages to send that change nothing else (a reply to a mention). */
  say(entries: OutboxEntry[]): Promise<void>;
  clock: Clock;
  log: Logger;
}
