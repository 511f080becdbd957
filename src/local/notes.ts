// What a Slack client shows that never goes through the Web API, so the stand-in does not hold
// it: the answer carried in an acknowledgement (or posted to a response_url), with the command
// that asked for it. Slack shows an `in_channel` answer to everyone, under "<user> used
// /incident …", and an `ephemeral` one only to the person who typed the command.
import { EventEmitter } from "node:events";

export interface LocalNote {
  /** "L1", "L2", …: never a Slack ts, so it cannot be mistaken for a stand-in message. */
  id: string;
  channel: string;
  /** Where it sorts among the channel's messages (a Slack-style ts). */
  ts: string;
  /** The command as typed ("/incident sev 1"), and who typed it. */
  command?: { user: string; text: string };
  /** From the bot (an answer) or from the user (their own command, echoed when it failed). */
  fromBot: boolean;
  text: string;
  blocks?: unknown[];
  /** Only this user sees it (an ephemeral answer); everyone in the channel otherwise. */
  visibleTo?: string;
}

/** Microseconds of a Slack ts ("1767225600.000123"), for ordering; Number is exact at this size. */
export function tsMicros(ts: string): number {
  const [s, f = ""] = ts.split(".");
  return Number(s) * 1e6 + Number(f.padEnd(6, "0").slice(0, 6));
}

function microsToTs(micros: number): string {
  return `${Math.floor(micros / 1e6)}.${String(micros % 1e6).padStart(6, "0")}`;
}

export class LocalNotes extends EventEmitter {
  private readonly notes: LocalNote[] = [];
  private seq = 0;

  constructor(
    private readonly now: () => Date,
    /** The latest ts of the channel's stand-in messages, so a note sorts after what it answers. */
    private readonly latestTs: (channel: string) => string | undefined,
  ) {
    super();
  }

  add(note: Omit<LocalNote, "id" | "ts">): LocalNote {
    const floor = Math.max(
      this.now().getTime() * 1000,
      ...[this.latestTs(note.channel), ...this.notes.filter((n) => n.channel === note.channel).map((n) => n.ts)]
        .filter((t): t is string => t !== undefined)
        .map((t) => tsMicros(t) + 1),
    );
    const stored: LocalNote = { ...note, id: `L${++this.seq}`, ts: microsToTs(floor) };
    this.notes.push(stored);
    this.emit("change", { kind: "note", channel: stored.channel, id: stored.id });
    return stored;
  }

  /** The notes of a channel this user may see. */
  visible(channel: string, userId: string): LocalNote[] {
    return this.notes.filter((n) => n.channel === channel && (!n.visibleTo || n.visibleTo === userId)).map((n) => structuredClone(n));
  }
}
