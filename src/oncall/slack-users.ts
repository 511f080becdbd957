// Checks that the people a rota file names exist in the Slack workspace (when the bot's token is
// at hand), so a typo in a user id is caught in review rather than at 3 a.m.
import type { WebClient } from "@slack/web-api";
import type { Rota } from "./rota-file.ts";
import { slackErrorCode } from "../slack/web-client.ts";

/** Every user id of the file with where it stands, in the file's path notation. */
export function userReferences(rota: Rota): { path: string; userId: string }[] {
  const refs: { path: string; userId: string }[] = [];
  for (const s of rota.schedules) {
    s.layers.forEach((layer, i) => layer.members.forEach((m, j) => refs.push({ path: `schedules.${s.name}.layers[${i}].members[${j}]`, userId: m })));
    s.overrides.forEach((o, k) => refs.push({ path: `schedules.${s.name}.overrides[${k}].user`, userId: o.user }));
  }
  for (const p of rota.escalationPolicies) {
    p.levels.forEach((level, i) =>
      level.notify.forEach((t, j) => {
        if (t.kind === "user") refs.push({ path: `escalation_policies.${p.name}.levels[${i}].notify[${j}]`, userId: t.userId });
      }),
    );
  }
  return refs;
}

/**
 * Errors for users Slack does not know or who are deactivated. Throws when Slack cannot be asked
 * (the caller says so and carries on: the file itself is valid).
 */
export async function unknownSlackUsers(rota: Rota, slack: WebClient): Promise<string[]> {
  const refs = userReferences(rota);
  const verdict = new Map<string, string | null>();
  for (const userId of new Set(refs.map((r) => r.userId))) {
    try {
      const res = await slack.users.info({ user: userId });
      verdict.set(userId, (res.user as { deleted?: boolean } | undefined)?.deleted ? `user ${userId} is deactivated in Slack` : null);
    } catch (err) {
      if (slackErrorCode(err) === "user_not_found") verdict.set(userId, `unknown Slack user ${userId}`);
      else throw err;
    }
  }
  return refs.filter((r) => verdict.get(r.userId)).map((r) => `${r.path}: ${verdict.get(r.userId)}`);
}
