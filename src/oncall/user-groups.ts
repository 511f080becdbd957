// Slack user groups that follow the rota: who should be in a group now (pure), and the engine's
// work of keeping each group in step (level-triggered, like shift notices).
//
// - A group's members are everyone on call now on any of its schedules, overrides included,
//   sorted, each once. Slack refuses an empty group, so when nobody is on call the group keeps its
//   members (`when_empty: keep`) or gets the one person `when_empty` names.
// - Each tick compares that with the members last sent; a difference is recorded on the group's
//   row (its version goes up, conditionally, so of two processes one records it) together with an
//   outbox message, in one transaction. The message sends the members of its version, and nothing
//   when a later version exists: the latest list wins, whatever order deliveries happen in.
// - Slack refusing for a reason a retry cannot fix (no usergroups:write scope, a plan without user
//   groups, only admins may change groups) is recorded on the row by the delivery and logged once;
//   the group is then tried again hourly (or at once when an apply changes its definition), not every tick.
import type { Db } from "../db/client.ts";
import { enqueue } from "../db/outbox.ts";
import { inTransaction } from "../db/tx.ts";
import type { UserGroupSync } from "./rota-file.ts";
import { onCallAt, type Schedule } from "./schedule.ts";
import { loadSchedules, recordUserGroupMembers, userGroupStates } from "./store.ts";

/** How long a group Slack refused waits before it is tried again. */
export const USER_GROUP_RETRY_MS = 60 * 60_000;

/**
 * Who should be in the group at `at`: everyone on call on its schedules (a schedule that does not
 * exist has nobody), sorted; the `when_empty` person when that is nobody; null to leave the
 * group as it is (nobody on call and `when_empty: keep`).
 */
export function wantedMembers(group: UserGroupSync, schedules: ReadonlyMap<string, Schedule>, at: Date): string[] | null {
  const members = new Set<string>();
  for (const name of group.schedules) {
    const schedule = schedules.get(name);
    if (schedule) for (const u of onCallAt(schedule, at)) members.add(u);
  }
  if (members.size === 0) return group.whenEmpty === "keep" ? null : [group.whenEmpty];
  return [...members].sort();
}

/** Slack's errors that say a user group cannot follow the rota until someone changes something, with what to change. */
export const USER_GROUP_PROBLEMS: Record<string, string> = {
  missing_scope: "the app lacks the usergroups:write scope: reinstall it from slack-app-manifest.yml",
  paid_teams_only: "the workspace's Slack plan has no user groups",
  plan_upgrade_required: "the workspace's Slack plan has no user groups",
  permission_denied: "only admins may change user groups in this workspace: let everyone (or the app) manage them in the workspace's settings",
  no_such_subteam: "there is no such user group: check its id in the rota file",
};

/** Records an update for each group whose members should change; returns how many were recorded. */
export async function syncUserGroups(db: Db, now: Date): Promise<number> {
  const groups = await userGroupStates(db);
  if (groups.length === 0) return 0;
  const schedules = await loadSchedules(db, [...new Set(groups.flatMap((g) => g.schedules))], { from: now, to: new Date(now.getTime() + 1) });
  let recorded = 0;
  for (const group of groups) {
    const wanted = wantedMembers(group, schedules, now);
    if (wanted === null) continue;
    const same = group.members !== null && group.members.join(",") === wanted.join(",");
    if (group.problem !== null ? now.getTime() - (group.problemAt?.getTime() ?? 0) < USER_GROUP_RETRY_MS : same) continue;
    await inTransaction(db, async (tx) => {
      const version = await recordUserGroupMembers(tx, group.id, group.version, wanted, now);
      if (version === null) return; // another process recorded this change
      await enqueue(tx, [{ key: `usergroup:${group.groupId}:v${version}`, kind: "usergroup.update", payload: { id: group.id, groupId: group.groupId, version } }], now);
      recorded++;
    });
  }
  return recorded;
}
