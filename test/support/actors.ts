// People as the access rules see them, for tests that call services directly (the Slack layer
// builds them from users.info and user groups: src/slack/actors.ts).
import type { Actor } from "../../src/access/policy.ts";

/** A member of the workspace; in every channel unless told which ones. */
export function member(userId: string, o: { groups?: string[]; channels?: string[]; guest?: boolean; otherWorkspace?: boolean } = {}): Actor {
  return {
    userId,
    guest: o.guest ?? false,
    otherWorkspace: o.otherWorkspace ?? false,
    groups: new Set(o.groups ?? []),
    inChannel: async (channelId) => (o.channels ? o.channels.includes(channelId) : true),
  };
}
