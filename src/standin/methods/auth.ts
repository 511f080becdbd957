// auth.*: who the bot's token belongs to.
import { slug, type Handler } from "../wire.ts";
import type { Workspace } from "../workspace.ts";

export function authMethods(w: Workspace): Record<string, Handler> {
  return {
    "auth.test": () => ({
      url: `https://${slug(w.teamName)}.slack.com/`,
      team: w.teamName,
      user: w.userMap.get(w.botUserId)?.name,
      team_id: w.teamId,
      user_id: w.botUserId,
      bot_id: w.botId,
      is_enterprise_install: false,
    }),
  };
}
