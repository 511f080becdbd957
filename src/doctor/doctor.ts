// `incident-bot doctor`'s probes: the database and its migrations, the Slack token and its scopes,
// the announce channel, the postmortem exporters and the people the rota names, each bounded by a
// timeout. Each probe's findings go to checks.ts for the verdict; nothing here writes anything
// (the git exporter's push is a dry run, the folder's test file is removed again).
import path from "node:path";
import type { WebClient } from "@slack/web-api";
import type { Config } from "../config.ts";
import { createDb, type Db } from "../db/client.ts";
import { databaseStatus, readMigrations } from "../db/migrate.ts";
import type { Logger } from "../log.ts";
import { userGroupReferences, userReferences } from "../oncall/rota-file.ts";
import { loadRota, userGroupStates } from "../oncall/store.ts";
import { USER_GROUP_PROBLEMS } from "../oncall/user-groups.ts";
import { exporterFromConfig } from "../postmortem/export/config.ts";
import { checkWritableFolder } from "../postmortem/export/directory.ts";
import type { PostmortemExporter } from "../postmortem/export/exporter.ts";
import { openDatabase } from "../runtime.ts";
import { readManifestBotScopes } from "../slack/manifest.ts";
import { createWebClient, slackErrorCode } from "../slack/web-client.ts";
import {
  CHECKS,
  channelResult,
  databaseLabel,
  fail,
  migrationsResult,
  ok,
  oneLine,
  parseChannelSetting,
  peopleResult,
  scopesResult,
  skip,
  slackProblem,
  tokenFailure,
  tokenResult,
  userGroupsResult,
  type ChannelFound,
  type CheckResult,
  type GroupVerdict,
  type PersonVerdict,
  type SlackIdentityFound,
} from "./checks.ts";

export const DEFAULT_CHECK_TIMEOUT_MS = 20_000;

export interface DoctorOptions {
  /** How long one check may take (each call it makes is bounded by it too). */
  timeoutMs?: number;
  /** Overrides that ended before this are not checked (default: now). */
  now?: Date;
  /** The app manifest to compare scopes with (default: slack-app-manifest.yml). */
  manifestFile?: string;
  /** Where relative folders are resolved from (default: the working directory). */
  cwd?: string;
  log: Logger;
}

class CheckTimeout extends Error {}

/** `work`, or a CheckTimeout once `ms` have passed (the work itself is bounded too, and given up). */
async function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CheckTimeout(`did not finish within ${Math.round(ms / 100) / 10} s`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs one check within its time; an unexpected error or the timeout fails it, saying so. */
async function bounded(name: string, ms: number, fix: string, check: () => Promise<CheckResult>): Promise<CheckResult> {
  try {
    return await within(ms, check());
  } catch (err) {
    return fail(name, err instanceof CheckTimeout ? err.message : oneLine((err as Error)?.message ?? String(err)), fix);
  }
}

/** A Slack call, waited for and made again when Slack rate-limits it (the check's timeout bounds the waiting). */
async function patiently<T>(deadline: number, call: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await call();
    } catch (err) {
      const e = err as { code?: string; retryAfter?: number };
      const waitMs = Math.max(1, Number(e?.retryAfter ?? 1)) * 1000;
      if (e?.code !== "slack_webapi_rate_limited_error" || Date.now() + waitMs > deadline) throw err;
      await new Promise((r) => setTimeout(r, waitMs));
    }
  }
}

/** Up to `limit` of `fn` at once over `items`. */
async function eachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

// ---------------------------------------------------------------------------------------------

interface DatabaseProbe {
  result: CheckResult;
  /** Open when the database answered and has been migrated at least once (the rota can be read). */
  db: Db | null;
  close(): Promise<void>;
}

async function probeDatabase(config: Config, timeoutMs: number, log: Logger): Promise<DatabaseProbe> {
  const name = CHECKS.database;
  let close = async () => undefined as void;
  let db: Db | null = null;
  const result = await bounded(name, timeoutMs, config.DATABASE_URL ? "check DATABASE_URL and that PostgreSQL is running" : "check DATA_DIR (the embedded PostgreSQL's data), or set DATABASE_URL", async () => {
    const { url, embedded } = await openDatabase(config, log);
    close = async () => {
      await db?.$disconnect().catch(() => undefined);
      await embedded?.stop();
    };
    const where = embedded ? `embedded PostgreSQL (${config.DATA_DIR}/postgres)` : `PostgreSQL at ${databaseLabel(url)}`;
    let status;
    try {
      status = await databaseStatus(url, { timeoutMs });
    } catch (err) {
      return fail(name, `${where}: ${oneLine((err as Error).message) || "cannot connect"}`, embedded ? "check DATA_DIR" : "check DATABASE_URL and that PostgreSQL is running");
    }
    if (status.applied?.length) db = createDb(url, { max: 4 });
    return migrationsResult(readMigrations(), status.applied, `${where} (${status.serverVersion.split(" ")[0]})`);
  });
  return { result, db, close: () => close() };
}

// ---------------------------------------------------------------------------------------------

interface SlackProbe {
  results: CheckResult[];
  /** The scopes Slack says the token has (x-oauth-scopes), when it says. */
  granted?: string[];
  slack: WebClient | null;
  identity: SlackIdentityFound | null;
}

async function probeSlack(config: Config, timeoutMs: number, manifestFile: string | undefined): Promise<SlackProbe> {
  if (!config.SLACK_BOT_TOKEN) {
    return {
      results: [
        fail(CHECKS.token, "SLACK_BOT_TOKEN is not set", "set it to the app's Bot User OAuth Token (OAuth & Permissions); see .env.example"),
        skip(CHECKS.scopes, "needs the Slack token"),
      ],
      slack: null,
      identity: null,
    };
  }
  const slack = createWebClient(config.SLACK_BOT_TOKEN, config.SLACK_API_URL, { timeoutMs });
  let identity: SlackIdentityFound | null = null;
  let granted: string[] | undefined;
  const token = await bounded(CHECKS.token, timeoutMs, "check SLACK_API_URL and the network", async () => {
    try {
      const r = await slack.auth.test();
      identity = { teamId: String(r.team_id ?? ""), team: r.team, userId: String(r.user_id ?? ""), user: r.user, botId: r.bot_id };
      granted = r.response_metadata?.scopes;
      return tokenResult(identity);
    } catch (err) {
      return tokenFailure(err, config.SLACK_API_URL);
    }
  });
  if (!identity) return { results: [token, skip(CHECKS.scopes, "needs a token Slack accepts")], slack: null, identity: null };
  let scopes: CheckResult;
  try {
    scopes = scopesResult(readManifestBotScopes(manifestFile), granted);
  } catch (err) {
    scopes = fail(CHECKS.scopes, `cannot read the scopes of slack-app-manifest.yml: ${(err as Error).message}`, "restore slack-app-manifest.yml from the release");
  }
  return { results: [token, scopes], slack, identity, granted };
}

/** The announce channel as Slack shows it to the bot: by id (conversations.info) or by name (conversations.list). */
async function findChannel(slack: WebClient, setting: string): Promise<ChannelFound | null> {
  const ref = parseChannelSetting(setting);
  const found = (c: { id?: string; name?: string; is_member?: boolean; is_archived?: boolean; is_private?: boolean }): ChannelFound => ({
    id: String(c.id ?? ""),
    name: String(c.name ?? ""),
    isMember: c.is_member === true,
    isArchived: c.is_archived === true,
    isPrivate: c.is_private === true,
  });
  if ("id" in ref) {
    try {
      const r = await slack.conversations.info({ channel: ref.id });
      return r.channel ? found(r.channel) : null;
    } catch (err) {
      if (slackErrorCode(err) === "channel_not_found") return null;
      throw err;
    }
  }
  let cursor: string | undefined;
  do {
    const r = await slack.conversations.list({ types: "public_channel,private_channel", limit: 1000, ...(cursor ? { cursor } : {}) });
    const c = r.channels?.find((x) => x.name === ref.name);
    if (c) return found(c);
    cursor = r.response_metadata?.next_cursor || undefined;
  } while (cursor);
  return null;
}

async function probeChannel(config: Config, slack: WebClient | null, identity: SlackIdentityFound | null, timeoutMs: number): Promise<CheckResult> {
  const setting = config.INCIDENT_ANNOUNCE_CHANNEL;
  if (!setting) return skip(CHECKS.channel, "INCIDENT_ANNOUNCE_CHANNEL is not set (incidents are not announced)");
  if (!slack || !identity) return skip(CHECKS.channel, "needs a token Slack accepts");
  const botName = identity.user ?? "incident-bot";
  return bounded(CHECKS.channel, timeoutMs, "check the network and try again", async () => {
    try {
      return channelResult(setting, await findChannel(slack, setting), botName);
    } catch (err) {
      return fail(CHECKS.channel, `cannot look up ${setting}: ${slackProblem(err, config.SLACK_API_URL)}`, slackErrorCode(err) === "missing_scope" ? "reinstall the app from slack-app-manifest.yml" : "try again; if it persists, check the app's scopes");
    }
  });
}

// ---------------------------------------------------------------------------------------------

/** An export configured by any variable; without one, drafts go to ./postmortems and nothing is checked. */
function exporterConfigured(config: Config): boolean {
  return (["POSTMORTEM_EXPORTER", "POSTMORTEM_DIR", "POSTMORTEM_GIT_REMOTE", "CONFLUENCE_BASE_URL", "CONFLUENCE_EMAIL", "CONFLUENCE_API_TOKEN", "CONFLUENCE_SPACE_KEY"] as const).some((k) => config[k] !== undefined);
}

const EXPORTER_FIX: Record<string, string> = {
  directory: "check POSTMORTEM_DIR and the folder's permissions",
  git: "check POSTMORTEM_GIT_REMOTE and the credentials git uses for it (an SSH key, a token in the URL, a credential helper)",
  confluence: "check the CONFLUENCE_* variables",
};

async function probeExporters(config: Config, timeoutMs: number, cwd: string | undefined): Promise<CheckResult[]> {
  const main = exporterConfigured(config)
    ? bounded(CHECKS.exporter, timeoutMs, "try again; if it persists, check the POSTMORTEM_* variables", async () => {
        let exporter: PostmortemExporter;
        try {
          exporter = exporterFromConfig(config, { ...(cwd ? { cwd } : {}) });
        } catch (err) {
          return fail(CHECKS.exporter, oneLine((err as Error).message), "see .env.example");
        }
        if (!exporter.check) return skip(CHECKS.exporter, `the ${exporter.name} exporter has no check`);
        try {
          return ok(CHECKS.exporter, `${exporter.name}: ${await exporter.check({ timeoutMs })}`);
        } catch (err) {
          return fail(CHECKS.exporter, `${exporter.name}: ${oneLine((err as Error).message)}`, EXPORTER_FIX[exporter.name]);
        }
      })
    : Promise.resolve(skip(CHECKS.exporter, "no exporter configured (drafts go to the folder ./postmortems; set POSTMORTEM_DIR, POSTMORTEM_GIT_REMOTE or CONFLUENCE_* to choose)"));
  const privateDir = config.POSTMORTEM_PRIVATE_DIR;
  const privateCheck = privateDir
    ? bounded(CHECKS.privateExporter, timeoutMs, "check POSTMORTEM_PRIVATE_DIR", async () => {
        try {
          return ok(CHECKS.privateExporter, await checkWritableFolder(path.resolve(cwd ?? process.cwd(), privateDir)));
        } catch (err) {
          return fail(CHECKS.privateExporter, oneLine((err as Error).message), "check POSTMORTEM_PRIVATE_DIR and the folder's permissions");
        }
      })
    : Promise.resolve(skip(CHECKS.privateExporter, "POSTMORTEM_PRIVATE_DIR is not set (private incidents' drafts are not exported)"));
  return Promise.all([main, privateCheck]);
}

// ---------------------------------------------------------------------------------------------

async function probePeople(db: Db | null, slack: WebClient | null, config: Config, now: Date, timeoutMs: number): Promise<CheckResult> {
  if (!db) return skip(CHECKS.people, "needs the database");
  if (!slack) return skip(CHECKS.people, "needs a token Slack accepts");
  const deadline = Date.now() + timeoutMs;
  return bounded(CHECKS.people, timeoutMs, "try again; if it persists, check the network", async () => {
    let rota;
    try {
      rota = await loadRota(db, { overridesFrom: now });
    } catch (err) {
      return fail(CHECKS.people, `cannot read the rota from the database: ${oneLine((err as Error).message)}`, "run incident-bot migrate");
    }
    const users = userReferences(rota);
    const groups = userGroupReferences(rota);
    const verdicts = { users: new Map<string, PersonVerdict>(), groups: new Map<string, GroupVerdict>() };
    try {
      await eachLimited([...new Set(users.map((u) => u.userId))], 4, async (id) => {
        try {
          const r = await patiently(deadline, () => slack.users.info({ user: id }));
          verdicts.users.set(id, r.user?.deleted ? "deleted" : "ok");
        } catch (err) {
          if (slackErrorCode(err) !== "user_not_found") throw err;
          verdicts.users.set(id, "unknown");
        }
      });
      await eachLimited([...new Set(groups.map((g) => g.groupId))], 4, async (id) => {
        try {
          await patiently(deadline, () => slack.usergroups.users.list({ usergroup: id }));
          verdicts.groups.set(id, "ok");
        } catch (err) {
          if (slackErrorCode(err) !== "no_such_subteam") throw err;
          verdicts.groups.set(id, "unknown");
        }
      });
    } catch (err) {
      return fail(CHECKS.people, `cannot ask Slack about the rota's people: ${slackProblem(err, config.SLACK_API_URL)}`, slackErrorCode(err) === "missing_scope" ? "reinstall the app from slack-app-manifest.yml" : "try again");
    }
    return peopleResult(users, groups, verdicts);
  });
}

// ---------------------------------------------------------------------------------------------

async function probeUserGroups(db: Db | null, granted: string[] | undefined, timeoutMs: number): Promise<CheckResult> {
  if (!db) return skip(CHECKS.userGroups, "needs the database");
  return bounded(CHECKS.userGroups, timeoutMs, "run incident-bot migrate", async () => userGroupsResult(await userGroupStates(db), granted, USER_GROUP_PROBLEMS));
}

// ---------------------------------------------------------------------------------------------

/** Every check, in the order they are printed. Never throws: what goes wrong is a failed check. */
export async function runDoctor(config: Config, opts: DoctorOptions): Promise<CheckResult[]> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS;
  const now = opts.now ?? new Date();
  // An embedded PostgreSQL may first have to be created: its check gets longer.
  const [database, slack, exporters] = await Promise.all([
    probeDatabase(config, config.DATABASE_URL ? timeoutMs : Math.max(timeoutMs, 120_000), opts.log),
    probeSlack(config, timeoutMs, opts.manifestFile),
    probeExporters(config, timeoutMs, opts.cwd),
  ]);
  try {
    const [channel, people, userGroups] = await Promise.all([
      probeChannel(config, slack.slack, slack.identity, timeoutMs),
      probePeople(database.db, slack.slack, config, now, timeoutMs),
      probeUserGroups(database.db, slack.granted, timeoutMs),
    ]);
    return [ok(CHECKS.config, "read from the environment (and .env)"), database.result, ...slack.results, channel, ...exporters, people, userGroups];
  } finally {
    await database.close().catch(() => undefined);
  }
}
