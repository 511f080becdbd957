// An incident as the rest of the code sees it: the record the store reads and writes, whose state
// (severity, status, commander, roles, resolution) lifecycle.ts rules.
import type { Severity, Status } from "./lifecycle.ts";

export interface Incident {
  id: number;
  number: number;
  title: string;
  description: string | null;
  severity: Severity;
  status: Status;
  commanderId: string;
  commsLeadId: string | null;
  scribeId: string | null;
  service: string | null;
  channelName: string;
  channelId: string | null;
  cardTs: string | null;
  resolution: string | null;
  declaredById: string;
  declaredAt: Date;
  resolvedAt: Date | null;
  closedAt: Date | null;
  version: number;
  /** Private: a private channel, no announcement, nothing said about it outside its channel. */
  private: boolean;
  postmortemLocation: string | null;
  postmortemUrl: string | null;
  postmortemExportedAt: Date | null;
  /** The bot's last version of the postmortem document (its exporter's hash or page version): people's edits are kept. */
  postmortemHash: string | null;
  postmortemVersion: number | null;
  /** When someone said the postmortem was reviewed (`/incident postmortem reviewed`). */
  postmortemReviewedAt: Date | null;
}
