// The SLO announcements' table: when each threshold of each service's budget was last announced.
// The only file that reads or writes it.
import type { RawTx } from "../db/tx.ts";

/**
 * Takes the announcement of a threshold if it was never made, or was made a window or more ago:
 * true for exactly one process (the row is claimed by a conditional upsert).
 */
export async function claimAnnouncement(tx: RawTx, service: string, threshold: number, now: Date, windowSeconds: number): Promise<boolean> {
  const rows = await tx.$queryRaw<{ threshold: number }[]>`
    INSERT INTO slo_announcement (service, threshold, announced_at) VALUES (${service}, ${threshold}, ${now}::timestamptz)
    ON CONFLICT (service, threshold) DO UPDATE SET announced_at = EXCLUDED.announced_at
     WHERE slo_announcement.announced_at <= ${now}::timestamptz - make_interval(secs => ${windowSeconds})
    RETURNING threshold`;
  return rows.length > 0;
}
