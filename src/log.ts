// Structured logs, with pino: one JSON object a line (level, time, msg, and the fields the line
// and its logger carry: req, actor, incident, outbox, lane…), or a short line for people at a
// terminal. Everything goes to stderr, never stdout: stdout is the output of a command, which may
// be piped (`incident-bot oncall … --json | jq`).
//
// Secrets never reach the output: fields named like secrets (token, signingSecret, password,
// SLACK_BOT_TOKEN, CONFLUENCE_API_TOKEN, authorization…) are redacted by their path's last key, at
// any depth, as the fields are copied for the line (one walk, which also scrubs strings: cheaper
// than pino's wildcard paths, which cost tens of microseconds a line per level); the message and
// every string field are scrubbed of what looks like a secret (credentials in URLs and their query,
// Slack, GitHub and Atlassian tokens, Authorization header values) and of the configured secrets'
// own values, wherever they appear.
import { randomUUID } from "node:crypto";
import pino from "pino";

export type Fields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
  /** A logger whose every line also carries these fields (a request id, an incident, an outbox message…). */
  child(bindings: Fields): Logger;
  /** Whether lines at this level are written (a logger that cannot say writes them all). */
  isLevelEnabled?(level: Level): boolean;
}

export const LEVELS = ["debug", "info", "warn", "error"] as const;
export type Level = (typeof LEVELS)[number];

/** json: one JSON object a line (for machines); pretty: time, level, message, then key=value (for people). */
export const FORMATS = ["json", "pretty"] as const;
export type LogFormat = (typeof FORMATS)[number];

/** Where lines go: anything with write(); a terminal (isTTY) gets the pretty format unless told otherwise. */
export interface LogDestination {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

export interface LoggerOptions {
  /** Default: pretty when the destination is a terminal, json otherwise (a pipe, a file, CI). */
  format?: LogFormat;
  /** Default: stderr. */
  destination?: LogDestination;
  /** Values never to print, wherever they appear (the configured tokens and passwords). */
  secrets?: readonly (string | null | undefined)[];
}

// --- Redaction -------------------------------------------------------------------------------

/**
 * Fields whose value is a secret, whatever it is: replaced by "***", as a field of the line or of
 * its logger, or at any depth in one (`config.SLACK_BOT_TOKEN`, `req.headers.authorization`).
 */
export const SECRET_KEYS = [
  "token",
  "botToken",
  "appToken",
  "apiToken",
  "accessToken",
  "refreshToken",
  "signingSecret",
  "clientSecret",
  "secret",
  "password",
  "authorization",
  "Authorization",
  "cookie",
  "SLACK_BOT_TOKEN",
  "SLACK_SIGNING_SECRET",
  "SLACK_APP_TOKEN",
  "METRICS_TOKEN",
  "CONFLUENCE_API_TOKEN",
] as const;

/** Fields holding a URL that may carry credentials: only the password (or a token given as the user) is hidden. */
export const URL_KEYS = ["DATABASE_URL", "databaseUrl", "connectionString", "POSTMORTEM_GIT_REMOTE", "remote"] as const;

const CENSOR = "***";
const SECRET_KEY_SET = new Set<string>(SECRET_KEYS);
const URL_KEY_SET = new Set<string>(URL_KEYS);

/** A field's value as printed: a secret's hidden, a URL's password hidden, anything else cleaned. */
function fieldValue(key: string, value: unknown, known: RegExp | null, depth: number, seen: WeakSet<object>): unknown {
  if (SECRET_KEY_SET.has(key) && value !== undefined && value !== null) return CENSOR;
  if (URL_KEY_SET.has(key) && typeof value === "string") return hideUrlPassword(scrubSecrets(value, known));
  return cleanFields(value, known, depth, seen);
}

/** A URL with its password hidden (or its user, when an http(s) URL carries a token as the user). */
export function hideUrlPassword(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return scrubSecrets(value); // git@github.com:acme/wiki.git and the like
  }
  if (url.password) url.password = CENSOR;
  else if (url.username && /^https?:$/.test(url.protocol)) url.username = CENSOR;
  else return value;
  return url.toString();
}

// scheme://userinfo@ — userinfo up to the last @ before the host (a password may hold an @).
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/"<>`]*)@/gi;
const PATTERNS: [RegExp, string | ((...m: string[]) => string)][] = [
  [
    URL_CREDENTIALS,
    (_m, scheme, userinfo) => {
      const colon = userinfo.indexOf(":");
      if (colon >= 0) return `${scheme}${userinfo.slice(0, colon)}:${CENSOR}@`;
      // https://<token>@github.com/…: a token given as the user name
      if (/^https?:\/\/$/i.test(scheme) && userinfo) return `${scheme}${CENSOR}@`;
      return `${scheme}${userinfo}@`;
    },
  ],
  [/\b(xox[abeoprs]|xapp)-[A-Za-z0-9-]+/g, `$1-${CENSOR}`], // Slack tokens: xoxb-, xoxp-, xapp-…
  [/\b(gh[pousr])_[A-Za-z0-9]{16,}/g, `$1_${CENSOR}`], // GitHub tokens
  [/\bgithub_pat_[A-Za-z0-9_]{16,}/g, `github_pat_${CENSOR}`],
  [/\bATATT[A-Za-z0-9_=-]{16,}/g, `ATATT${CENSOR}`], // Atlassian (Confluence) API tokens
  [/\b(Bearer|Basic) [A-Za-z0-9._~+/-]{8,}=*/g, `$1 ${CENSOR}`], // Authorization header values
  [/([?&](?:access_token|token|api_key|apikey|password|secret)=)[^&\s#"'<>]+/gi, `$1${CENSOR}`], // in a URL's query
];

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The known secret values (at least 8 characters: shorter ones would hide ordinary words), longest first. */
function knownSecrets(secrets: readonly (string | null | undefined)[] = []): RegExp | null {
  const values = [...new Set(secrets.filter((s): s is string => typeof s === "string" && s.length >= 8))].sort((a, b) => b.length - a.length);
  return values.length ? new RegExp(values.map(escapeRegExp).join("|"), "g") : null;
}

/** A text with what looks like a secret hidden (and the `known` values, when given). */
export function scrubSecrets(text: string, known: RegExp | null = null): string {
  let out = known ? text.replace(known, CENSOR) : text;
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement as string);
  return out;
}

/** Fields made safe to print: strings scrubbed, errors turned into their type, message and stack, bigints into strings. */
function cleanFields(value: unknown, known: RegExp | null, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value === "string") return scrubSecrets(value, known);
  if (typeof value === "bigint") return String(value);
  if (value === null || typeof value !== "object") return value;
  if (depth > 6 || seen.has(value)) return "[…]";
  seen.add(value);
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return {
      type: value.name,
      message: scrubSecrets(value.message, known),
      ...(code !== undefined ? { code: cleanFields(code, known, depth + 1, seen) } : {}),
      ...(value.stack ? { stack: scrubSecrets(value.stack, known) } : {}),
    };
  }
  if (Array.isArray(value)) return value.map((v) => cleanFields(v, known, depth + 1, seen));
  if (value instanceof Date || value instanceof URL) return cleanFields(value.toJSON(), known, depth + 1, seen);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fieldValue(k, v, known, depth + 1, seen)]));
}

// --- Formats ---------------------------------------------------------------------------------

/** Fields the pretty format leaves out (they are in the line's start, or say little to a person). */
const PRETTY_OMITS = new Set(["level", "time", "msg", "pid", "hostname"]);

const prettyValue = (v: unknown): string => (typeof v === "string" && /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v));

/** One JSON line as people read it: time, level, message, then key=value for every other field (an error's stack below). */
export function prettyLine(line: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line);
  } catch {
    return line;
  }
  const stack = (record.err as { stack?: unknown } | undefined)?.stack;
  const fields = Object.entries(record)
    .filter(([k]) => !PRETTY_OMITS.has(k) && !(k === "err" && typeof stack === "string"))
    .map(([k, v]) => ` ${k}=${prettyValue(v)}`)
    .join("");
  const below = typeof stack === "string" ? `${stack.replace(/^/gm, "    ")}\n` : "";
  return `${String(record.time)} ${String(record.level).padEnd(5)} ${String(record.msg ?? "")}${fields}\n${below}`;
}

// --- Loggers ---------------------------------------------------------------------------------

class PinoLogger implements Logger {
  constructor(
    private readonly pino: pino.Logger,
    private readonly known: RegExp | null,
  ) {}

  debug(msg: string, fields?: Fields): void {
    this.write("debug", msg, fields);
  }
  info(msg: string, fields?: Fields): void {
    this.write("info", msg, fields);
  }
  warn(msg: string, fields?: Fields): void {
    this.write("warn", msg, fields);
  }
  error(msg: string, fields?: Fields): void {
    this.write("error", msg, fields);
  }

  child(bindings: Fields): Logger {
    return new PinoLogger(this.pino.child(cleanFields(bindings, this.known) as Fields), this.known);
  }

  isLevelEnabled(level: Level): boolean {
    return this.pino.isLevelEnabled(level);
  }

  private write(level: Level, msg: string, fields?: Fields): void {
    if (!this.pino.isLevelEnabled(level)) return;
    const text = scrubSecrets(String(msg), this.known);
    if (fields) this.pino[level](cleanFields(fields, this.known) as Fields, text);
    else this.pino[level](text);
  }
}

/** A logger at `level` and above, writing JSON lines (or pretty ones) to stderr unless told otherwise. */
export function createLogger(level: Level = "info", opts: LoggerOptions = {}): Logger {
  const destination = opts.destination ?? process.stderr;
  const format = opts.format ?? (destination.isTTY ? "pretty" : "json");
  const stream = format === "pretty" ? { write: (line: string) => destination.write(prettyLine(line)) } : { write: (line: string) => destination.write(line) };
  const logger = pino(
    {
      level,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // errors are already turned into { type, message, stack } (scrubbed) by cleanFields
      serializers: { err: (err: unknown) => err },
    },
    stream,
  );
  return new PinoLogger(logger, knownSecrets(opts.secrets));
}

/** One line as a test reads it: the JSON object pino wrote. */
export interface LogRecord {
  level: Level;
  time: string;
  msg: string;
  [field: string]: unknown;
}

export interface MemoryLogger extends Logger {
  /** "level message", one per line (the fields are in `records`). */
  lines: string[];
  /** Every line, parsed from the JSON that was written. */
  records: LogRecord[];
}

/** A logger (all levels) that keeps its lines, and its children's, in memory; tests read them. */
export function memoryLogger(opts: Pick<LoggerOptions, "secrets"> = {}): MemoryLogger {
  const lines: string[] = [];
  const records: LogRecord[] = [];
  const destination = {
    write(line: string) {
      const record = JSON.parse(line) as LogRecord;
      records.push(record);
      lines.push(`${record.level} ${record.msg}`);
    },
  };
  return Object.assign(createLogger("debug", { format: "json", destination, secrets: opts.secrets }), { lines, records });
}

// --- Requests --------------------------------------------------------------------------------

/** A short random id for a request, so that its lines can be found together. */
export function newRequestId(): string {
  return randomUUID().slice(0, 8);
}

/** A request's logger: its fields (req, actor…) on every line, and more once known (the incident). */
export interface RequestLogger extends Logger {
  /** Adds fields to every later line of this logger (a field given again takes the new value). */
  bind(fields: Fields): void;
  /** The fields it carries now. */
  bindings(): Fields;
}

export function requestLogger(base: Logger, bindings: Fields): RequestLogger {
  let fields = { ...bindings };
  // made when a line is written (most requests bind several times and write one line, or none)
  let current: Logger | null = null;
  const log = () => (current ??= base.child(fields));
  const at = (level: Level) => (msg: string, f?: Fields) => {
    if (base.isLevelEnabled?.(level) !== false) log()[level](msg, f);
  };
  return {
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    isLevelEnabled: (level) => base.isLevelEnabled?.(level) !== false,
    child: (b) => log().child(b),
    bind(more) {
      fields = { ...fields, ...more };
      current = null;
    },
    bindings: () => ({ ...fields }),
  };
}

/** Adds fields to a request's logger; any other logger is left as it is. */
export function bindLog(log: Logger, fields: Fields): void {
  if (typeof (log as Partial<RequestLogger>).bind === "function") (log as RequestLogger).bind(fields);
}
