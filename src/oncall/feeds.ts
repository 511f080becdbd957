// Calendar feeds: making a feed's secret address (`incident-bot oncall ical`), and answering
// GET /ical/<token>.ics with the file. Only a SHA-256 hash of the token is stored, so a database
// dump gives no working address; a token is 32 random bytes, so it cannot be guessed.
import { createHash, randomBytes } from "node:crypto";
import type { Db } from "../db/client.ts";
import { inTransaction } from "../db/tx.ts";
import { UserError } from "../errors.ts";
import { feedLoadWindow, feedShifts, feedWindow, renderCalendar } from "./ical.ts";
import { isSlackUserId } from "./rota-file.ts";
import { calendarFeedByHash, loadSchedule, saveCalendarFeed } from "./store.ts";

/** Where feeds are served: `/ical/<token>.ics`. */
export const FEED_PATH_RE = /^\/ical\/([A-Za-z0-9_-]{43})\.ics$/;

export const feedPath = (token: string): string => `/ical/${token}.ics`;

const hashToken = (token: string): string => createHash("sha256").update(token).digest("hex");

/**
 * Makes the feed of a schedule (or of one person's shifts on it) and returns its token, shown once.
 * A feed that exists is refused unless `rotate`, which replaces its token.
 */
export async function makeCalendarFeed(db: Db, input: { schedule: string; userId: string | null; rotate: boolean; now: Date }): Promise<{ token: string; replaced: boolean }> {
  if (input.userId !== null && !isSlackUserId(input.userId)) throw new UserError("invalid_input", `"${input.userId}" is not a Slack user id (like U0123ABCD).`);
  const token = randomBytes(32).toString("base64url");
  const { replaced } = await inTransaction(db, (tx) => saveCalendarFeed(tx, { schedule: input.schedule, userId: input.userId ?? "", tokenHash: hashToken(token), replace: input.rotate, now: input.now }));
  return { token, replaced };
}

/** The calendar file of the feed at `path` (`/ical/<token>.ics`), or null when there is none. */
export async function calendarAt(db: Db, path: string, now: Date): Promise<string | null> {
  const m = FEED_PATH_RE.exec(path);
  if (!m) return null;
  const feed = await calendarFeedByHash(db, hashToken(m[1]));
  if (!feed) return null;
  const schedule = await loadSchedule(db, feed.schedule, feedLoadWindow(now));
  if (!schedule) return null;
  return renderCalendar({ schedule: schedule.name, userId: feed.userId, shifts: feedShifts(schedule, feedWindow(now), feed.userId), generatedAt: now });
}
