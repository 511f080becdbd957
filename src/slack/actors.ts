// Who is asking, as Slack describes them: the facts the access policy (src/access/policy.ts)
// decides with. Gathered once per request, before any transaction: whether the person is a guest
// or of another workspace (users.info), which of the access rules' user groups they are in
// (usergroups.users.list), and, asked for when needed, whether they are in a private incident's
// channel (conversations.members). Answers are remembered briefly; when Slack cannot be asked, a
// person counts as a member (the pager must work while Slack's directory is slow) and it is logged.
import type { WebClient } from "@slack/web-api";
import type { Actor } from "../access/policy.ts";
import type { Clock } from "../clock.ts";
import type { Logger } from "../log.ts";
import type { SlackIdentity } from "./web-client.ts";

/** The actor of a Slack request. */
export type SlackActor = Actor;

const REMEMBER_MS = 60_000;
/** The user groups the access rules name: read from the database at most this often (a rota applied here is seen at once). */
const ACCESS_REMEMBER_MS = 10_000;

interface Remembered<T> {
  at: number;
  value: Promise<T>;
}

export class SlackActors {
  private readonly people = new Map<string, Remembered<{ guest: boolean; teamId: string | null }>>();
  private readonly groups = new Map<string, Remembered<string[]>>();
  private readonly channels = new Map<string, Remembered<string[]>>();
  private access: Remembered<string[]> | null = null;

  constructor(
    private readonly opts: {
      slack: WebClient;
      identity: SlackIdentity;
      /** The user groups the access rules name (admins, schedule owners). */
      groupsInAccess: () => Promise<string[]>;
      clock: Clock;
      log: Logger;
    },
  ) {}

  private remember<T>(map: Map<string, Remembered<T>>, key: string, ask: () => Promise<T>): Promise<T> {
    const now = Date.now();
    const hit = map.get(key);
    if (hit && now - hit.at < REMEMBER_MS) return hit.value;
    const value = ask();
    map.set(key, { at: now, value });
    value.catch(() => map.delete(key));
    return value;
  }

  private person(userId: string) {
    return this.remember(this.people, userId, async () => {
      const res = await this.opts.slack.users.info({ user: userId });
      const u = res.user as { is_restricted?: boolean; is_ultra_restricted?: boolean; team_id?: string } | undefined;
      return { guest: Boolean(u?.is_restricted || u?.is_ultra_restricted), teamId: u?.team_id ?? null };
    });
  }

  private members(group: string) {
    return this.remember(this.groups, group, async () => ((await this.opts.slack.usergroups.users.list({ usergroup: group })).users ?? []) as string[]);
  }

  private channelMembers(channelId: string) {
    return this.remember(this.channels, channelId, async () => {
      const all: string[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 20; page++) {
        const res = await this.opts.slack.conversations.members({ channel: channelId, limit: 1000, ...(cursor ? { cursor } : {}) });
        all.push(...((res.members ?? []) as string[]));
        cursor = res.response_metadata?.next_cursor || undefined;
        if (!cursor) break;
      }
      return all;
    });
  }

  /** Forget the access rules' user groups (a rota was applied). */
  forgetAccess(): void {
    this.access = null;
  }

  private groupsInAccess(): Promise<string[]> {
    const now = Date.now();
    if (this.access && now - this.access.at < ACCESS_REMEMBER_MS) return this.access.value;
    const value = this.opts.groupsInAccess();
    const entry = { at: now, value };
    this.access = entry;
    value.catch(() => this.access === entry && (this.access = null));
    return value;
  }

  /** Forget what is known of a channel's members (someone was just invited). */
  forgetChannel(channelId: string): void {
    this.channels.delete(channelId);
  }

  /**
   * The actor for a request: `requestTeamId` is the workspace the request came from (a request
   * from another workspace than the bot's is someone else's).
   */
  async of(userId: string, requestTeamId: string | null = null): Promise<SlackActor> {
    const { log } = this.opts;
    const [me, person, groups] = await Promise.all([
      this.opts.identity.get().catch(() => null),
      this.person(userId).catch((err) => {
        log.warn(`could not ask Slack about ${userId} (${(err as Error).message}); counting them as a member`);
        return { guest: false, teamId: null };
      }),
      this.groupsOf(userId),
    ]);
    const home = me?.teamId || null;
    const otherWorkspace = !!home && ((!!person.teamId && person.teamId !== home) || (!!requestTeamId && requestTeamId !== home));
    return {
      userId,
      guest: person.guest,
      otherWorkspace,
      groups,
      inChannel: async (channelId: string) => {
        try {
          return (await this.channelMembers(channelId)).includes(userId);
        } catch (err) {
          log.warn(`could not ask Slack who is in ${channelId} (${(err as Error).message}); treating ${userId} as not in it`);
          return false;
        }
      },
    };
  }

  private async groupsOf(userId: string): Promise<Set<string>> {
    const named = await this.groupsInAccess().catch(() => [] as string[]);
    const inGroups = await Promise.all(
      named.map(async (g) => {
        try {
          return (await this.members(g)).includes(userId) ? g : null;
        } catch (err) {
          this.opts.log.warn(`could not ask Slack who is in user group ${g} (${(err as Error).message})`);
          return null;
        }
      }),
    );
    return new Set(inGroups.filter((g): g is string => g !== null));
  }
}
