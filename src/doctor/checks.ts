// `incident-bot doctor`'s verdicts and report, without I/O: what the probes found (doctor.ts) is
// turned here into one result per check (ok, warn, FAIL or skip, with what to do), printed one
// line each with a summary, and the exit code that gates a deploy.

export type CheckStatus = "ok" | "warn" | "fail" | "skip";

export interface CheckResult {
  /** What was checked: "database", "slack token"… */
  name: string;
  status: CheckStatus;
  /** What was found, on one line. */
  summary: string;
  /** What to do about it (failures and warnings). */
  fix?: string;
  /** More lines, one per item (each unknown person…). */
  details?: string[];
}

export const ok = (name: string, summary: string, details?: string[]): CheckResult => ({ name, status: "ok", summary, ...(details?.length ? { details } : {}) });
export const skip = (name: string, summary: string): CheckResult => ({ name, status: "skip", summary });
export const fail = (name: string, summary: string, fix?: string, details?: string[]): CheckResult => ({
  name,
  status: "fail",
  summary,
  ...(fix ? { fix } : {}),
  ...(details?.length ? { details } : {}),
});
export const warn = (name: string, summary: string, fix?: string): CheckResult => ({ name, status: "warn", summary, ...(fix ? { fix } : {}) });

/** The names of the checks, in the order they are printed. */
export const CHECKS = {
  config: "configuration",
  database: "database",
  token: "slack token",
  scopes: "slack scopes",
  channel: "announce channel",
  exporter: "postmortem export",
  privateExporter: "private postmortems",
  people: "rota people",
  userGroups: "user groups",
} as const;

// ---------------------------------------------------------------------------------------------
// Report

const LABELS: Record<CheckStatus, string> = { ok: "ok  ", warn: "warn", fail: "FAIL", skip: "skip" };

/** Messages from other programs (git, Slack, PostgreSQL) on one line. */
export const oneLine = (text: string): string => text.replace(/\s*\n\s*/g, " ").trim();

/** `ok   slack token        accepted for …`: one line per check (and its details indented below). */
export function formatResult(r: CheckResult, nameWidth = 0): string[] {
  const text = oneLine(r.fix ? `${r.summary} — ${r.fix}` : r.summary);
  return [`${LABELS[r.status]} ${r.name.padEnd(nameWidth)}  ${text}`, ...(r.details ?? []).map((d) => `       ${oneLine(d)}`)];
}

/** The whole report: every check's line(s), then a summary line. */
export function formatReport(results: CheckResult[]): string[] {
  const width = Math.max(0, ...results.map((r) => r.name.length));
  return [...results.flatMap((r) => formatResult(r, width)), summaryLine(results)];
}

function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function summaryLine(results: CheckResult[]): string {
  const n = (s: CheckStatus) => results.filter((r) => r.status === s).length;
  const [failed, warned, skipped] = [n("fail"), n("warn"), n("skip")];
  const rest = [warned ? count(warned, "warning") : "", skipped ? `${skipped} skipped` : ""].filter(Boolean).join(", ");
  if (failed > 0) return `${failed} of ${count(results.length, "check")} failed${rest ? ` (${rest})` : ""}: fix ${failed === 1 ? "it" : "them"} before deploying.`;
  const checked = results.length - skipped;
  return `All ${count(checked, "check")} passed${rest ? ` (${rest})` : ""}.`;
}

/** 1 when any check failed (a deploy should stop), 0 otherwise; warnings and skips do not fail. */
export function exitCode(results: CheckResult[]): number {
  return results.some((r) => r.status === "fail") ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------
// Database

export interface MigrationFile {
  name: string;
  checksum: string;
}

export interface AppliedMigrationRow {
  name: string;
  checksum: string;
  finished: boolean;
}

/** `db.example.com:5432/incident_bot`: where a PostgreSQL URL points, without user or password. */
export function databaseLabel(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}${u.port ? `:${u.port}` : ""}${u.pathname}`;
  } catch {
    return "DATABASE_URL";
  }
}

/** The migrations this version has against those the database records (null: none at all). */
export function migrationsResult(files: MigrationFile[], applied: AppliedMigrationRow[] | null, where: string): CheckResult {
  const name = CHECKS.database;
  const migrate = "run incident-bot migrate";
  if (applied === null || applied.length === 0) {
    return fail(name, `${where}: no migrations applied (this version has ${files.length})`, migrate);
  }
  const failed = applied.filter((a) => !a.finished);
  if (failed.length > 0) {
    return fail(name, `${where}: migration ${failed.map((f) => f.name).join(", ")} failed earlier and was not rolled back`, "fix the database by hand, then mark it rolled back (npx prisma migrate resolve --rolled-back <name>) and run incident-bot migrate");
  }
  const byName = new Map(applied.map((a) => [a.name, a]));
  const changed = files.filter((f) => byName.has(f.name) && byName.get(f.name)!.checksum !== f.checksum);
  if (changed.length > 0) {
    return fail(name, `${where}: migration ${changed.map((c) => c.name).join(", ")} was changed after it was applied`, "restore the migration as it was applied and add a new migration for the change");
  }
  const pending = files.filter((f) => !byName.has(f.name));
  if (pending.length > 0) {
    return fail(name, `${where}: ${pending.length} of ${files.length} migrations not applied: ${pending.map((p) => p.name).join(", ")}`, migrate);
  }
  const known = new Set(files.map((f) => f.name));
  const unknown = applied.filter((a) => !known.has(a.name));
  if (unknown.length > 0) {
    return warn(name, `${where}: all ${files.length} migrations applied, and ${unknown.map((u) => u.name).join(", ")} this version does not know`, "a newer version migrated this database; deploy that version (or newer)");
  }
  return ok(name, `${where}: all ${files.length} migrations applied`);
}

// ---------------------------------------------------------------------------------------------
// Slack

export interface SlackIdentityFound {
  teamId: string;
  team?: string;
  userId: string;
  /** The bot user's name, as people @-mention it. */
  user?: string;
  botId?: string;
}

export function tokenResult(who: SlackIdentityFound): CheckResult {
  const summary = `accepted for workspace ${who.teamId}${who.team ? ` (${who.team})` : ""} as @${who.user ?? who.userId} (${who.userId})`;
  if (!who.botId) return warn(CHECKS.token, `${summary}, but it is not a bot token`, "set SLACK_BOT_TOKEN to the Bot User OAuth Token (OAuth & Permissions)");
  return ok(CHECKS.token, summary);
}

/** A Slack call that failed, as @slack/web-api reports it. */
export interface SlackErrorLike {
  code?: string;
  message?: string;
  statusCode?: number;
  data?: { error?: string; needed?: string };
  /** A request error's cause: fetch's TypeError, with the system error (ECONNREFUSED…) as its cause. */
  original?: { name?: string; message?: string; cause?: { code?: string; message?: string } };
}

const TOKEN_REFUSED = new Set(["invalid_auth", "token_revoked", "account_inactive", "token_expired", "not_authed", "not_allowed_token_type"]);

/** What a failed Slack call means, on one line: Slack's error code, an HTTP status, or that it could not be reached. */
export function slackProblem(err: unknown, apiUrl: string): string {
  const e = (err ?? {}) as SlackErrorLike;
  switch (e.code) {
    case "slack_webapi_platform_error": {
      const code = e.data?.error ?? "unknown_error";
      return code === "missing_scope" && e.data?.needed ? `Slack answered missing_scope (needs ${e.data.needed})` : `Slack answered ${code}`;
    }
    case "slack_webapi_rate_limited_error":
      return "Slack rate-limited the call";
    case "slack_webapi_http_error":
      return `Slack at ${apiUrl} answered HTTP ${e.statusCode}`;
    case "slack_webapi_request_error": {
      const why = e.original?.cause?.code ?? e.original?.cause?.message ?? (e.original?.name === "TimeoutError" || e.original?.name === "AbortError" ? "no answer in time" : e.original?.message);
      return `could not reach Slack at ${apiUrl}${why ? ` (${why})` : ""}`;
    }
    default:
      return e.message ?? String(err);
  }
}

/** auth.test failed: the token refused, or Slack out of reach. */
export function tokenFailure(err: unknown, apiUrl: string): CheckResult {
  const code = (err as SlackErrorLike)?.data?.error;
  if ((err as SlackErrorLike)?.code === "slack_webapi_platform_error" && code && TOKEN_REFUSED.has(code)) {
    return fail(CHECKS.token, `Slack refused the token (${code})`, "set SLACK_BOT_TOKEN to the app's Bot User OAuth Token (OAuth & Permissions; reinstall the app if it was revoked)");
  }
  return fail(CHECKS.token, slackProblem(err, apiUrl), apiUrl === "https://slack.com/api/" ? "check the network (and proxy) between this host and slack.com" : "check SLACK_API_URL and the network");
}

export function compareScopes(wanted: string[], granted: string[]): { missing: string[]; extra: string[] } {
  const has = new Set(granted.map((s) => s.trim()).filter(Boolean));
  const want = new Set(wanted);
  return { missing: wanted.filter((s) => !has.has(s)), extra: [...has].filter((s) => !want.has(s)) };
}

/**
 * The scopes the manifest asks for against those the token has (the `x-oauth-scopes` header of
 * auth.test's answer; undefined when Slack did not send it).
 */
export function scopesResult(wanted: string[], granted: string[] | undefined): CheckResult {
  if (granted === undefined) {
    return warn(CHECKS.scopes, "Slack did not say which scopes the token has (no x-oauth-scopes header)", "compare OAuth & Permissions with slack-app-manifest.yml by hand");
  }
  const { missing, extra } = compareScopes(wanted, granted);
  if (missing.length > 0) {
    return fail(CHECKS.scopes, `missing: ${missing.join(", ")}`, "reinstall the app from slack-app-manifest.yml (update the app's manifest, then OAuth & Permissions → Reinstall to Workspace)");
  }
  return ok(CHECKS.scopes, `all ${wanted.length} scopes of slack-app-manifest.yml granted${extra.length ? ` (and ${extra.join(", ")})` : ""}`);
}

/** INCIDENT_ANNOUNCE_CHANNEL is a channel id (C…, G…) or a name (with or without #). */
export function parseChannelSetting(value: string): { id: string } | { name: string } {
  return /^[CG][A-Z0-9]{2,}$/.test(value) ? { id: value } : { name: value.replace(/^#/, "") };
}

export interface ChannelFound {
  id: string;
  name: string;
  isMember: boolean;
  isArchived: boolean;
  isPrivate: boolean;
}

/**
 * The announce channel as Slack showed it (null: Slack does not know it, or not to the bot, which
 * is the same for a private channel it is not in). `setting` is INCIDENT_ANNOUNCE_CHANNEL as given.
 */
export function channelResult(setting: string, found: ChannelFound | null, botName: string): CheckResult {
  const name = CHECKS.channel;
  if (!found) {
    const what = /^[CG][A-Z0-9]{2,}$/.test(setting) ? `no channel ${setting}` : `no channel #${setting.replace(/^#/, "")}`;
    return fail(name, `${what} (a private channel the bot is not in looks the same)`, "create it or fix INCIDENT_ANNOUNCE_CHANNEL");
  }
  const label = `#${found.name} (${found.id})`;
  if (found.isArchived) return fail(name, `${label} is archived`, "unarchive it or fix INCIDENT_ANNOUNCE_CHANNEL");
  if (!found.isMember) return fail(name, `the bot is not in ${label}`, `invite the bot: /invite @${botName} in #${found.name}`);
  return ok(name, `${label}${found.isPrivate ? ", private," : ""} exists and the bot is in it`);
}

// ---------------------------------------------------------------------------------------------
// The rota's people

export type PersonVerdict = "ok" | "unknown" | "deleted";
export type GroupVerdict = "ok" | "unknown";

/**
 * The people and user groups a rota names (each reference with its path), against what Slack said
 * of each (users.info, usergroups.users.list).
 */
export function peopleResult(
  users: { path: string; userId: string }[],
  groups: { path: string; groupId: string }[],
  verdicts: { users: Map<string, PersonVerdict>; groups: Map<string, GroupVerdict> },
): CheckResult {
  const name = CHECKS.people;
  const userIds = [...new Set(users.map((u) => u.userId))];
  const groupIds = [...new Set(groups.map((g) => g.groupId))];
  if (userIds.length === 0 && groupIds.length === 0) return skip(name, "the rota names nobody yet (apply one with incident-bot rota apply <file>)");
  const where = (paths: string[]) => (paths.length > 3 ? `${paths.slice(0, 3).join(", ")} and ${paths.length - 3} more` : paths.join(", "));
  const problems: string[] = [];
  let badUsers = 0;
  for (const id of userIds) {
    const v = verdicts.users.get(id) ?? "unknown";
    if (v === "ok") continue;
    badUsers++;
    const paths = users.filter((u) => u.userId === id).map((u) => u.path);
    problems.push(`${id}: ${v === "deleted" ? "deactivated in Slack" : "no such Slack user"} (${where(paths)})`);
  }
  let badGroups = 0;
  for (const id of groupIds) {
    if ((verdicts.groups.get(id) ?? "unknown") === "ok") continue;
    badGroups++;
    problems.push(`${id}: no such Slack user group (${where(groups.filter((g) => g.groupId === id).map((g) => g.path))})`);
  }
  const people = (n: number) => count(n, "person", "people");
  const named = [people(userIds.length), groupIds.length ? count(groupIds.length, "user group") : ""].filter(Boolean).join(" and ");
  if (problems.length > 0) {
    const bad = [badUsers ? `${badUsers} of ${people(userIds.length)}` : "", badGroups ? `${badGroups} of ${count(groupIds.length, "user group")}` : ""].filter(Boolean).join(" and ");
    return fail(name, `${bad} the rota names ${problems.length === 1 ? "is" : "are"} not in Slack`, "fix the rota file and apply it again (incident-bot rota apply <file>)", problems);
  }
  return ok(name, `the ${named} the rota names ${userIds.length + groupIds.length === 1 ? "is" : "are"} in Slack`);
}

// ---------------------------------------------------------------------------------------------
// User groups that follow the rota

/**
 * The user groups the rota keeps in step with who is on call: the token must have
 * usergroups:write, and Slack must not have refused their last update (what it answered, kept by
 * the bot, with what to do about it: `problems`).
 */
export function userGroupsResult(
  groups: { name: string; groupId: string; problem: string | null }[],
  granted: string[] | undefined,
  problems: Record<string, string>,
): CheckResult {
  const name = CHECKS.userGroups;
  if (groups.length === 0) return skip(name, "no user group follows the rota (slack_usergroup or usergroups in the rota file)");
  const what = count(groups.length, "user group");
  if (granted && !granted.includes("usergroups:write")) {
    return fail(name, `${what} follow${groups.length === 1 ? "s" : ""} the rota but the token lacks usergroups:write`, "reinstall the app from slack-app-manifest.yml (OAuth & Permissions → Reinstall to Workspace)");
  }
  const refused = groups.filter((g) => g.problem !== null);
  if (refused.length > 0) {
    return fail(
      name,
      `Slack refused to update ${refused.length} of ${what}`,
      "fix what each line says; the bot tries again hourly",
      refused.map((g) => `${g.name} (${g.groupId}): ${g.problem}${problems[g.problem!] ? ` — ${problems[g.problem!]}` : ""}`),
    );
  }
  return ok(name, `${what} follow${groups.length === 1 ? "s" : ""} the rota: ${groups.map((g) => `${g.name} (${g.groupId})`).join(", ")}`);
}
