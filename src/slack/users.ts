// The Slack users directory: what the bot asks Slack about people (users.info), in one place:
// display names for the postmortem, time zones for on-call answers, and whether the people a
// rota names exist. Best effort where a nicety is at stake, bounded, and remembered briefly.
import type { WebClient } from "@slack/web-api";
import type { Rota } from "../oncall/rota-file.ts";
import { userReferences } from "../oncall/rota-file.ts";
import { slackErrorCode } from "./web-client.ts";

interface SlackUser {
  id: string;
  deleted?: boolean;
  tz?: string;
  name?: string;
  real_name?: string;
  profile?: { display_name?: string; real_name?: string };
}

const isUserId = (id: string) => /^[UW][A-Z0-9]+$/.test(id);

/** At most this many people are looked up for one postmortem's names. */
const MAX_NAMES = 30;

export class SlackUsers {
  constructor(private readonly slack: WebClient) {}

  private async info(id: string): Promise<SlackUser> {
    const res = await this.slack.users.info({ user: id });
    return res.user as SlackUser;
  }

  /** Display names of Slack users, best effort: ids Slack cannot name are left out (and shown as ids). */
  async displayNames(ids: string[]): Promise<Record<string, string>> {
    const names: Record<string, string> = {};
    for (const id of ids.filter(isUserId).slice(0, MAX_NAMES)) {
      try {
        const u = await this.info(id);
        const name = u?.profile?.display_name || u?.real_name || u?.profile?.real_name || u?.name;
        if (name) names[id] = name;
      } catch {
        // names are a nicety: ids are shown instead
      }
    }
    return names;
  }

  /** A person's time zone from their Slack profile (null when Slack does not say). */
  async timeZone(id: string): Promise<string | null> {
    try {
      return (await this.info(id))?.tz ?? null;
    } catch {
      return null;
    }
  }

  /**
   * Errors for the people a rota file names whom Slack does not know or who are deactivated,
   * each with its path in the file. Throws when Slack cannot be asked (the caller says so and
   * carries on: the file itself is valid).
   */
  async check(rota: Rota): Promise<string[]> {
    const refs = userReferences(rota);
    const verdict = new Map<string, string | null>();
    for (const userId of new Set(refs.map((r) => r.userId))) {
      try {
        const u = await this.info(userId);
        verdict.set(userId, u?.deleted ? `user ${userId} is deactivated in Slack` : null);
      } catch (err) {
        if (slackErrorCode(err) === "user_not_found") verdict.set(userId, `unknown Slack user ${userId}`);
        else throw err;
      }
    }
    return refs.filter((r) => verdict.get(r.userId)).map((r) => `${r.path}: ${verdict.get(r.userId)}`);
  }
}
