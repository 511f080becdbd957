// The configuration: the environment (and .env), parsed once at start-up with zod, each area's
// variables (database, Slack, incidents, engine, postmortems, local mode, metrics, log) composed into one
// Config. Nothing reads process.env after start-up. Every problem is reported at once, by
// variable name, with what is expected; secret values are never printed.
import { existsSync, readFileSync } from "node:fs";
import { z } from "zod";
import { exportConfigProblems, postmortemEnvSchema } from "./postmortem/export/config.ts";
import { parseUpdateCadence } from "./reminders/plan.ts";

const optional = (schema: z.ZodType<string>) =>
  z.preprocess((v) => (typeof v === "string" && v.trim() === "" ? undefined : v), schema.optional());

const url = (what: string) =>
  z.string().refine((v) => {
    try {
      new URL(v);
      return true;
    } catch {
      return false;
    }
  }, `expected ${what}`);

/** A whole number in [min, max], `fallback` when unset. */
const wholeNumber = (fallback: number, min: number, max: number, message: string) =>
  z.preprocess(
    (v) => (v === undefined || v === "" ? String(fallback) : v),
    z
      .string()
      .regex(/^\d+$/, message)
      .transform(Number)
      .refine((n) => n >= min && n <= max, message),
  );

// Each area's variables, composed below into one Config.

const database = z.object({
  /** 1: serve Slack on the embedded PostgreSQL (one host, not for production). */
  EMBEDDED_POSTGRES: optional(z.enum(["0", "1"], { message: "expected 1 (use the embedded PostgreSQL) or 0" })),
  DATABASE_URL: optional(
    url("a PostgreSQL URL like postgresql://user:password@localhost:5432/incident_bot").refine(
      (v) => /^postgres(ql)?:\/\//.test(v),
      "expected a URL starting with postgresql://",
    ),
  ),
  DATA_DIR: z.preprocess((v) => (v === undefined || v === "" ? ".data" : v), z.string()),
});

const slack = z.object({
  SLACK_BOT_TOKEN: optional(z.string().regex(/^xoxb-/, "expected a bot token starting with xoxb-")),
  SLACK_SIGNING_SECRET: optional(z.string().min(8, "expected the app's signing secret (Basic Information page)")),
  SLACK_APP_TOKEN: optional(z.string().regex(/^xapp-/, "expected an app-level token starting with xapp-")),
  SLACK_API_URL: z.preprocess(
    (v) => (typeof v === "string" && v.trim() !== "" ? v : undefined),
    url("an http(s) URL like https://slack.com/api/")
      .refine((v) => /^https?:\/\//.test(v), "expected an http(s) URL like https://slack.com/api/")
      .transform((v) => (v.endsWith("/") ? v : `${v}/`))
      .default("https://slack.com/api/"),
  ),
  PORT: wholeNumber(3000, 0, 65535, "expected a port number from 0 to 65535"),
  /** Where people reach the bot over HTTPS (calendar feed addresses are made from it). */
  PUBLIC_URL: optional(
    url("an http(s) URL like https://incident-bot.example.com")
      .refine((v) => /^https?:\/\//.test(v), "expected an http(s) URL like https://incident-bot.example.com")
      .transform((v) => v.replace(/\/+$/, "")),
  ),
});

/** "<count>/<duration>": at most count in that window, e.g. 5/10m. */
const rate = (fallback: string) =>
  z.preprocess(
    (v) => (v === undefined || v === "" ? fallback : v),
    z
      .string()
      .regex(/^[1-9]\d{0,5}\/[1-9]\d{0,6}[smh]$/, "expected a count per duration like 5/10m (at most 5 in 10 minutes)")
      .transform((v) => {
        const [count, span] = v.split("/");
        const unit = { s: 1, m: 60, h: 3600 }[span.slice(-1) as "s" | "m" | "h"];
        return { count: Number(count), windowSeconds: Number(span.slice(0, -1)) * unit };
      }),
  );

const incidents = z.object({
  INCIDENT_ANNOUNCE_CHANNEL: optional(z.string().regex(/^[CG][A-Z0-9]{2,}$|^#?[a-z0-9_-]{1,80}$/, "expected a channel id like C0123456789")),
  INCIDENT_ANNOUNCE_PRIVATE: z.preprocess(
    (v) => (v === undefined || v === "" ? "none" : v),
    z.enum(["none", "redacted"], { message: "expected none (say nothing of private incidents) or redacted (say one was declared, without its title)" }),
  ),
  PAGE_RATE_LIMIT: rate("5/10m"),
  /** How long an open incident may go without a status update, per severity: sev1=30m,sev2=1h,sev3=off,sev4=off. */
  UPDATE_REMINDERS: z.preprocess(
    (v) => (v === undefined ? "" : v),
    z.string().transform((v, ctx) => {
      const parsed = parseUpdateCadence(v);
      if (parsed.ok) return parsed.cadence;
      ctx.addIssue({ code: "custom", message: `${parsed.error}` });
      return z.NEVER;
    }),
  ),
});

const engine = z.object({
  ENGINE_TICK_SECONDS: wholeNumber(5, 1, 59, "expected whole seconds from 1 to 59"),
  OUTBOX_LEASE_SECONDS: wholeNumber(60, 2, 3600, "expected whole seconds from 2 to 3600"),
  READY_MAX_OUTBOX_AGE_SECONDS: wholeNumber(120, 1, Number.MAX_SAFE_INTEGER, "expected whole seconds, at least 1"),
});

const postmortem = postmortemEnvSchema.extend({
  POSTMORTEM_TEMPLATE: optional(z.string()),
  /** Private incidents' drafts go only here (a folder); unset: they are not exported. */
  POSTMORTEM_PRIVATE_DIR: optional(z.string()),
});

const local = z.object({
  INCIDENT_BOT_LOCAL: optional(z.enum(["0", "1"], { message: "expected 0 (stop and say what is missing) or 1" })),
});

const metrics = z.object({
  /** When set, GET /metrics needs `Authorization: Bearer <METRICS_TOKEN>`; unset, it is open. */
  METRICS_TOKEN: optional(z.string().regex(/^[\x21-\x7e]{16,}$/, "expected at least 16 characters, no spaces (a random string: openssl rand -hex 32)")),
});

const log = z.object({
  LOG_LEVEL: z.preprocess(
    (v) => (v === undefined || v === "" ? "info" : v),
    z.enum(["debug", "info", "warn", "error"], { message: "expected one of debug, info, warn, error" }),
  ),
  /** json (one JSON object a line) or pretty (for people); unset: pretty on a terminal, json otherwise. */
  LOG_FORMAT: z.preprocess(
    (v) => (typeof v === "string" && v.trim() === "" ? undefined : v),
    z.enum(["json", "pretty"], { message: "expected json (one JSON object a line) or pretty (a line for people to read)" }).optional(),
  ),
});

const schema = z.object({ ...database.shape, ...slack.shape, ...incidents.shape, ...engine.shape, ...postmortem.shape, ...local.shape, ...metrics.shape, ...log.shape });

export type Config = z.infer<typeof schema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Configuration problems:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

/** Parses the environment. Throws a ConfigError listing every problem (never the values). */
export function parseConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const result = schema.safeParse(env);
  if (!result.success) throw new ConfigError(result.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`));
  // Problems that only show when variables are read together (the postmortem exporter's).
  const together = exportConfigProblems(result.data);
  if (together.length > 0) throw new ConfigError(together);
  return result.data;
}

/** Reads KEY=value lines of a `.env` file into process.env, never overriding what is set. */
export function loadDotEnv(file = ".env", env: NodeJS.ProcessEnv = process.env): boolean {
  if (!existsSync(file)) return false;
  for (const raw of readFileSync(file, "utf8").split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    let value = m[2];
    if (/^(['"]).*\1$/.test(value)) value = value.slice(1, -1);
    else value = value.replace(/\s+#.*$/, "");
    if (env[m[1]] === undefined) env[m[1]] = value;
  }
  return true;
}

/**
 * The configured secrets' values, which the log never prints (src/log.ts hides them wherever they
 * appear). Passwords in DATABASE_URL and POSTMORTEM_GIT_REMOTE are hidden as part of any URL
 * instead: a weak one ("postgres") would otherwise hide ordinary words.
 */
export function secretValues(config: Config): string[] {
  return [config.SLACK_BOT_TOKEN, config.SLACK_SIGNING_SECRET, config.SLACK_APP_TOKEN, config.CONFLUENCE_API_TOKEN].filter((v): v is string => Boolean(v));
}

/** What is missing to talk to Slack, by variable name. Socket Mode also needs SLACK_APP_TOKEN. */
export function missingSlackCredentials(config: Config): string[] {
  const missing: string[] = [];
  if (!config.SLACK_BOT_TOKEN) missing.push("SLACK_BOT_TOKEN");
  if (!config.SLACK_SIGNING_SECRET && !config.SLACK_APP_TOKEN) missing.push("SLACK_SIGNING_SECRET");
  return missing;
}

/** What `serve` does with a configuration: serve Slack, open the local workspace, or stop and say why. */
export type ServeMode = { mode: "slack" } | { mode: "local" } | { mode: "stop"; why: string; manifestHelp: boolean };

/**
 * Safe defaults: local mode starts only on a fresh start (no DATABASE_URL and no Slack credential
 * at all), or when INCIDENT_BOT_LOCAL=1 asks for it; Slack half configured stops and says what is
 * missing; serving Slack on the embedded PostgreSQL needs EMBEDDED_POSTGRES=1.
 */
export function serveMode(config: Config): ServeMode {
  const credentials = (["SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"] as const).filter((k) => config[k]);
  if (config.INCIDENT_BOT_LOCAL === "1") return { mode: "local" };
  if (credentials.length === 0) {
    if (config.INCIDENT_BOT_LOCAL === "0") return { mode: "stop", why: `Slack credentials are missing: ${missingSlackCredentials(config).join(", ")}.`, manifestHelp: true };
    if (config.DATABASE_URL) {
      return {
        mode: "stop",
        why:
          "Slack credentials are not set (SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET), but DATABASE_URL is. Local mode starts only on a fresh start " +
          "(no DATABASE_URL and no SLACK_* variable), so that it never runs against a real database by mistake. Set the Slack credentials to serve " +
          "Slack, or INCIDENT_BOT_LOCAL=1 to open the local workspace on this database.",
        manifestHelp: true,
      };
    }
    return { mode: "local" };
  }
  const missing = missingSlackCredentials(config);
  if (missing.length > 0) return { mode: "stop", why: `Slack is partly configured: ${missing.join(", ")} ${missing.length === 1 ? "is" : "are"} missing.`, manifestHelp: true };
  if (!config.DATABASE_URL && config.EMBEDDED_POSTGRES !== "1") {
    return {
      mode: "stop",
      why:
        "Serving Slack needs a PostgreSQL: set DATABASE_URL, or EMBEDDED_POSTGRES=1 to use the embedded one " +
        "(its data in DATA_DIR on this host only: fine for a trial, not for production).",
      manifestHelp: false,
    };
  }
  return { mode: "slack" };
}

/** The configuration of this process: `.env` read into the environment (which wins), then parsed once. */
export function loadConfig(log?: { info(msg: string): void }): Config {
  if (loadDotEnv()) log?.info("read settings from .env");
  return parseConfig();
}
