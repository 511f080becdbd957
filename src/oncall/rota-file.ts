/**
 * The rota file: schedules, escalation policies, services, who may do what (access) and where
 * alerts come in (integrations), as YAML
 * (or JSON, which YAML parses too). `parseRotaFile` validates the whole file and reports every problem at once, each
 * as `<path in the file>: <message>`, e.g.
 *   schedules.platform-primary.layers[0].rotation.every: expected a duration like 1w
 * YAML syntax errors carry their line and column instead.
 */
import { LineCounter, parseDocument } from "yaml";
import type { Duration, Layer, Override, Restriction, Schedule } from "./schedule.ts";
import { parseHHMM } from "./schedule.ts";
import { type LocalDateTime, type Weekday, WEEKDAYS, isValidZone, parseLocalDateTime } from "./zoned.ts";

export type NotifyTarget = { kind: "schedule"; name: string } | { kind: "user"; userId: string };

export interface EscalationLevel {
  notify: NotifyTarget[];
  escalateAfterSeconds: number;
}

export interface EscalationPolicy {
  name: string;
  levels: EscalationLevel[];
  /** After the last level, start again from the first, this many times (0 = no repeat). */
  repeat: number;
}

export interface Service {
  name: string;
  escalationPolicy: string;
  /** Its SLO, when the file gives one (`slo: { objective: 99.9, window: 30d, counts_from: sev2 }`). */
  slo?: ServiceSlo | null;
}

/** A service's SLO: the objective (percent), its rolling window, and the lowest severity that spends budget. */
export interface ServiceSlo {
  objective: number;
  windowSeconds: number;
  countsFrom: "SEV1" | "SEV2" | "SEV3" | "SEV4";
}

/** The file's `access` section: who may do what beyond the defaults (see src/access/policy.ts). */
export interface Access {
  /** Slack user ids (U…/W…) or user group ids (S…): may change any incident, page and schedule. */
  admins: string[];
  /** The longest override anyone may add from Slack, in seconds. */
  maxOverrideSeconds: number;
}

/**
 * A Slack user group whose members follow the rota: whoever is on call on its schedules now.
 * From a schedule's `slack_usergroup` (named after the schedule) or the `usergroups` section.
 */
export interface UserGroupSync {
  name: string;
  /** The user group's id (S…). */
  groupId: string;
  schedules: string[];
  /** When nobody is on call (Slack refuses an empty group): keep the members, or put this person in. */
  whenEmpty: "keep" | string;
}

/** Without an `access` section: no admins, no owners, overrides of at most 14 days. */
export const DEFAULT_MAX_OVERRIDE_SECONDS = 14 * 86_400;

/**
 * When people work, for the incident metrics' "pages outside working hours": the days and the
 * wall-clock hours, read in each person's own time zone. Without `working_hours`: Monday to
 * Friday, 09:00 to 18:00.
 */
export interface WorkingHours {
  days: Weekday[];
  /** "HH:MM", inclusive. */
  from: string;
  /** "HH:MM", exclusive; after `from`. */
  to: string;
}

export const DEFAULT_WORKING_HOURS: WorkingHours = { days: ["mon", "tue", "wed", "thu", "fri"], from: "09:00", to: "18:00" };
export const INTEGRATION_KINDS = ["alertmanager", "grafana", "generic", "heartbeat"] as const;
export type IntegrationKind = (typeof INTEGRATION_KINDS)[number];

/** An integration: `POST /integrations/<name>` pages `service` with the alerts it is sent. */
export interface Integration {
  name: string;
  kind: IntegrationKind;
  service: string;
  /** Alerts whose `label` has a value of `map` also declare an incident of that severity (1–4). */
  declareIncident: { label: string; map: Record<string, number> } | null;
  /** A heartbeat: a ping is expected at least every `everySeconds`, plus `graceSeconds` of slack. */
  everySeconds: number | null;
  graceSeconds: number | null;
}

/** A heartbeat's slack when the file does not say. */
export const DEFAULT_HEARTBEAT_GRACE_SECONDS = 5 * 60;

export interface Rota {
  schedules: Schedule[];
  escalationPolicies: EscalationPolicy[];
  services: Service[];
  integrations: Integration[];
  /** Per schedule: who may add and remove any of its overrides (user or user group ids). */
  owners: Record<string, string[]>;
  /** Per schedule: the Slack channel (C…/G…) told of accepted shift swaps; absent: none. */
  channels?: Record<string, string>;
  /** The access section, or null when the file has none (what is stored is then kept). */
  access: Access | null;
  /** The user groups kept in step with who is on call. */
  userGroups: UserGroupSync[];
  /** The file's `working_hours`, or null/absent when it has none (what is stored is then kept). */
  workingHours?: WorkingHours | null;
}

export type RotaParseResult = { ok: true; rota: Rota } | { ok: false; errors: string[] };

// ---------------------------------------------------------------------------------------------
// Small parsers
// ---------------------------------------------------------------------------------------------

const SLACK_USER_ID_RE = /^[UW][A-Z0-9]+$/;

const USER_GROUP_ID_RE = /^S[A-Z0-9]+$/;
const CHANNEL_ID_RE = /^[CG][A-Z0-9]+$/;

/** A person or a Slack user group (S0123ABCD): who access rules may name. */
export function isPrincipal(value: unknown): value is string {
  return typeof value === "string" && (SLACK_USER_ID_RE.test(value) || USER_GROUP_ID_RE.test(value));
}

export const isUserGroupId = (value: string): boolean => USER_GROUP_ID_RE.test(value);

/** Slack user ids: U or W followed by uppercase letters and digits (U01AAAA, W0123ABC). */
export function isSlackUserId(value: unknown): value is string {
  return typeof value === "string" && SLACK_USER_ID_RE.test(value);
}

const DURATION_RE = /^([1-9]\d{0,8})(s|m|h)$/;
const DURATION_SECONDS = { s: 1, m: 60, h: 3600 } as const;

/** `<n>h`, `<n>d` or `<n>w` (n a whole number >= 1) -> seconds; null if malformed (max_override). */
export function parseLongDuration(text: unknown): number | null {
  if (typeof text !== "string") return null;
  const m = /^([1-9]\d{0,5})(h|d|w)$/.exec(text.trim());
  return m ? Number(m[1]) * { h: 3600, d: 86_400, w: 7 * 86_400 }[m[2] as "h" | "d" | "w"] : null;
}

/** `<n>s`, `<n>m` or `<n>h` (n a whole number >= 1) -> seconds; null if malformed. */
export function parseDuration(text: unknown): number | null {
  if (typeof text !== "string") return null;
  const m = DURATION_RE.exec(text.trim());
  if (!m) return null;
  return Number(m[1]) * DURATION_SECONDS[m[2] as keyof typeof DURATION_SECONDS];
}

const EVERY_RE = /^([1-9]\d{0,4})(h|d|w)$/;

/** A rotation length `<n>h`, `<n>d` or `<n>w` (n a whole number >= 1); null if malformed. */
export function parseEvery(text: unknown): Duration | null {
  if (typeof text !== "string") return null;
  const m = EVERY_RE.exec(text.trim());
  if (!m) return null;
  return { amount: Number(m[1]), unit: m[2] as Duration["unit"] };
}

const INSTANT_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-](\d{2}):(\d{2}))$/;

/** An ISO 8601 instant that carries its offset (`Z` or `±HH:MM`); null otherwise. */
export function parseInstant(text: unknown): Date | null {
  if (typeof text !== "string") return null;
  const m = INSTANT_RE.exec(text);
  if (!m) return null;
  const local = parseLocalDateTime(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6] ?? "00"}`);
  if (!local) return null;
  if (m[8] !== "Z" && (Number(m[9]) > 23 || Number(m[10]) > 59)) return null;
  const d = new Date(text);
  return Number.isFinite(d.getTime()) ? d : null;
}

const WEEKDAY_NAMES: Record<string, Weekday> = {};
for (const [i, full] of ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"].entries()) {
  WEEKDAY_NAMES[full] = WEEKDAYS[i];
  WEEKDAY_NAMES[WEEKDAYS[i]] = WEEKDAYS[i];
}

/** `mon`..`sun` (or the full English name, any case) -> Weekday; null otherwise. */
export function parseWeekday(text: unknown): Weekday | null {
  return typeof text === "string" ? (WEEKDAY_NAMES[text.toLowerCase()] ?? null) : null;
}

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

type Obj = Record<string, unknown>;

const isMap = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof Date);

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

class Checker {
  readonly errors: string[] = [];

  error(path: string, message: string): void {
    this.errors.push(`${path === "" ? "(root)" : path}: ${message}`);
  }

  keys(obj: Obj, allowed: readonly string[], path: string): void {
    for (const key of Object.keys(obj)) {
      if (!allowed.includes(key)) this.error(path, `unknown key "${key}"`);
    }
  }

  /** Returns the value, or reports `path.key: is required` and returns undefined. */
  required(obj: Obj, key: string, path: string): unknown {
    if (!(key in obj) || obj[key] === undefined || obj[key] === null) {
      this.error(join(path, key), "is required");
      return undefined;
    }
    return obj[key];
  }

  /** The entries of a name -> value mapping, with names checked. */
  namedEntries(value: unknown, path: string, what: string): Array<[string, unknown]> {
    if (value === undefined || value === null) return [];
    if (!isMap(value)) {
      this.error(path, `expected a mapping of ${what} names to ${what}s`);
      return [];
    }
    const out: Array<[string, unknown]> = [];
    for (const [name, v] of Object.entries(value)) {
      if (!NAME_RE.test(name)) {
        this.error(join(path, name), `invalid ${what} name (use letters, digits, "-", "_" and ".")`);
        continue;
      }
      out.push([name, v]);
    }
    return out;
  }

  list(value: unknown, path: string, expected: string): unknown[] | undefined {
    if (!Array.isArray(value)) {
      this.error(path, `expected ${expected}`);
      return undefined;
    }
    return value;
  }

  userId(value: unknown, path: string): string | undefined {
    if (isSlackUserId(value)) return value;
    this.error(path, `${describe(value)} is not a Slack user id (U or W followed by uppercase letters and digits)`);
    return undefined;
  }
}

function join(path: string, key: string): string {
  return path === "" ? key : `${path}.${key}`;
}

function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (value === null || value === undefined) return "nothing";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  return `${typeof value} ${String(value)}`;
}

const ROOT_KEYS = ["schedules", "escalation_policies", "services", "access", "usergroups", "working_hours", "integrations"] as const;
const WORKING_HOURS_KEYS = ["days", "from", "to"] as const;
const SCHEDULE_KEYS = ["timezone", "layers", "overrides", "owners", "slack_usergroup", "channel"] as const;
const USERGROUP_KEYS = ["id", "schedules", "when_empty"] as const;
const ACCESS_KEYS = ["admins", "max_override"] as const;
const LAYER_KEYS = ["name", "members", "rotation", "restrictions"] as const;
const ROTATION_KEYS = ["every", "start"] as const;
const RESTRICTION_KEYS = ["days", "from", "to"] as const;
const OVERRIDE_KEYS = ["user", "from", "to"] as const;
const POLICY_KEYS = ["levels", "repeat"] as const;
const LEVEL_KEYS = ["notify", "escalate_after"] as const;
const SERVICE_KEYS = ["escalation_policy", "slo"] as const;
const SLO_KEYS = ["objective", "window", "counts_from"] as const;
const INTEGRATION_KEYS = ["kind", "service", "declare_incident", "every", "grace"] as const;
const DECLARE_KEYS = ["label", "map"] as const;

function checkSchedule(c: Checker, name: string, raw: unknown, path: string): Schedule | undefined {
  if (!isMap(raw)) {
    c.error(path, "expected a mapping with timezone, layers and overrides");
    return undefined;
  }
  c.keys(raw, SCHEDULE_KEYS, path);
  const before = c.errors.length;

  let timezone: string | undefined;
  const tz = c.required(raw, "timezone", path);
  if (tz !== undefined) {
    if (typeof tz !== "string") c.error(join(path, "timezone"), "expected a time zone name like America/New_York");
    else if (!isValidZone(tz)) c.error(join(path, "timezone"), `unknown time zone "${tz}"`);
    else timezone = tz;
  }

  const layers: Layer[] = [];
  const rawLayers = c.required(raw, "layers", path);
  if (rawLayers !== undefined) {
    const list = c.list(rawLayers, join(path, "layers"), "a list of layers");
    list?.forEach((l, i) => {
      const layer = checkLayer(c, l, `${path}.layers[${i}]`, i);
      if (layer) layers.push(layer);
    });
  }

  const overrides: Override[] = [];
  if (raw.overrides !== undefined && raw.overrides !== null) {
    const list = c.list(raw.overrides, join(path, "overrides"), "a list of overrides");
    list?.forEach((o, i) => {
      const override = checkOverride(c, o, `${path}.overrides[${i}]`);
      if (override) overrides.push(override);
    });
  }

  if (c.errors.length > before || timezone === undefined) return undefined;
  return { name, timezone, layers, overrides };
}

function checkLayer(c: Checker, raw: unknown, path: string, index: number): Layer | undefined {
  if (!isMap(raw)) {
    c.error(path, "expected a mapping with name, members, rotation and restrictions");
    return undefined;
  }
  c.keys(raw, LAYER_KEYS, path);
  const before = c.errors.length;

  let name = `layer-${index + 1}`;
  if (raw.name !== undefined && raw.name !== null) {
    if (typeof raw.name !== "string" || raw.name.trim() === "") c.error(join(path, "name"), "expected a non-empty string");
    else name = raw.name;
  }

  const members: string[] = [];
  const rawMembers = c.required(raw, "members", path);
  if (rawMembers !== undefined) {
    const list = c.list(rawMembers, join(path, "members"), "a list of Slack user ids");
    if (list && list.length === 0) c.error(join(path, "members"), "must not be empty");
    list?.forEach((m, i) => {
      const id = c.userId(m, `${path}.members[${i}]`);
      if (id) members.push(id);
    });
  }

  let every: Duration | undefined;
  let start: LocalDateTime | undefined;
  const rawRotation = c.required(raw, "rotation", path);
  if (rawRotation !== undefined) {
    const rpath = join(path, "rotation");
    if (!isMap(rawRotation)) {
      c.error(rpath, "expected a mapping with every and start");
    } else {
      c.keys(rawRotation, ROTATION_KEYS, rpath);
      const e = c.required(rawRotation, "every", rpath);
      if (e !== undefined) {
        every = parseEvery(e) ?? undefined;
        if (!every) c.error(join(rpath, "every"), "expected a duration like 1w");
      }
      const s = c.required(rawRotation, "start", rpath);
      if (s !== undefined) {
        start = parseLocalStart(c, s, join(rpath, "start"));
      }
    }
  }

  let restrictions: Restriction[] | undefined;
  if (raw.restrictions !== undefined && raw.restrictions !== null) {
    const list = c.list(raw.restrictions, join(path, "restrictions"), "a list of restrictions");
    if (list) {
      restrictions = [];
      list.forEach((r, i) => {
        const restriction = checkRestriction(c, r, `${path}.restrictions[${i}]`);
        if (restriction) restrictions!.push(restriction);
      });
    }
  }

  if (c.errors.length > before || !every || !start) return undefined;
  const layer: Layer = { name, members, rotation: { every, start } };
  if (restrictions) layer.restrictions = restrictions;
  return layer;
}

function parseLocalStart(c: Checker, value: unknown, path: string): LocalDateTime | undefined {
  if (typeof value !== "string" || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(value)) {
    c.error(path, "expected a local date and time like 2026-01-05T09:00 (no offset: it is read in the schedule's time zone)");
    return undefined;
  }
  const local = parseLocalDateTime(value);
  if (!local) c.error(path, `"${value}" is not a real date and time`);
  return local ?? undefined;
}

function checkRestriction(c: Checker, raw: unknown, path: string): Restriction | undefined {
  if (!isMap(raw)) {
    c.error(path, "expected a mapping with days, from and to");
    return undefined;
  }
  c.keys(raw, RESTRICTION_KEYS, path);
  const before = c.errors.length;
  const days: Weekday[] = [];
  const rawDays = c.required(raw, "days", path);
  if (rawDays !== undefined) {
    const list = c.list(rawDays, join(path, "days"), "a list of weekdays like [mon, tue]");
    if (list && list.length === 0) c.error(join(path, "days"), "must not be empty");
    list?.forEach((d, i) => {
      const day = parseWeekday(d);
      if (day) days.push(day);
      else c.error(`${path}.days[${i}]`, `unknown weekday ${describe(d)} (expected mon, tue, wed, thu, fri, sat or sun)`);
    });
  }
  const times: Record<string, string> = {};
  for (const key of ["from", "to"] as const) {
    const v = c.required(raw, key, path);
    if (v === undefined) continue;
    if (typeof v !== "string" || parseHHMM(v) === null) c.error(join(path, key), "expected a time like 09:00 (HH:MM, 00:00 to 23:59)");
    else times[key] = v;
  }
  if (c.errors.length > before) return undefined;
  return { days: [...new Set(days)], from: times.from, to: times.to };
}

function checkOverride(c: Checker, raw: unknown, path: string): Override | undefined {
  if (!isMap(raw)) {
    c.error(path, "expected a mapping with user, from and to");
    return undefined;
  }
  c.keys(raw, OVERRIDE_KEYS, path);
  const before = c.errors.length;
  let user: string | undefined;
  const u = c.required(raw, "user", path);
  if (u !== undefined) user = c.userId(u, join(path, "user"));
  const instants: Record<string, Date> = {};
  for (const key of ["from", "to"] as const) {
    const v = c.required(raw, key, path);
    if (v === undefined) continue;
    const d = parseInstant(v);
    if (!d) c.error(join(path, key), "expected an instant with its offset like 2026-03-07T18:00:00-05:00 (or Z)");
    else instants[key] = d;
  }
  if (instants.from && instants.to && instants.to.getTime() <= instants.from.getTime()) {
    c.error(join(path, "to"), "must be after from");
  }
  if (c.errors.length > before || !user) return undefined;
  return { user, start: instants.from, end: instants.to };
}

function checkPolicy(
  c: Checker,
  name: string,
  raw: unknown,
  path: string,
  scheduleNames: Set<string>,
): EscalationPolicy | undefined {
  if (!isMap(raw)) {
    c.error(path, "expected a mapping with levels and repeat");
    return undefined;
  }
  c.keys(raw, POLICY_KEYS, path);
  const before = c.errors.length;
  const levels: EscalationLevel[] = [];
  const rawLevels = c.required(raw, "levels", path);
  if (rawLevels !== undefined) {
    const list = c.list(rawLevels, join(path, "levels"), "a list of levels");
    if (list && list.length === 0) c.error(join(path, "levels"), "must have at least one level");
    list?.forEach((l, i) => {
      const level = checkLevel(c, l, `${path}.levels[${i}]`, scheduleNames);
      if (level) levels.push(level);
    });
  }
  let repeat = 0;
  if (raw.repeat !== undefined && raw.repeat !== null) {
    if (typeof raw.repeat !== "number" || !Number.isInteger(raw.repeat) || raw.repeat < 0) {
      c.error(join(path, "repeat"), "expected a whole number, 0 or more");
    } else {
      repeat = raw.repeat;
    }
  }
  if (c.errors.length > before) return undefined;
  return { name, levels, repeat };
}

function checkLevel(c: Checker, raw: unknown, path: string, scheduleNames: Set<string>): EscalationLevel | undefined {
  if (!isMap(raw)) {
    c.error(path, "expected a mapping with notify and escalate_after");
    return undefined;
  }
  c.keys(raw, LEVEL_KEYS, path);
  const before = c.errors.length;
  const notify: NotifyTarget[] = [];
  const rawNotify = c.required(raw, "notify", path);
  if (rawNotify !== undefined) {
    const npath = join(path, "notify");
    const list = c.list(rawNotify, npath, 'a list of targets like "schedule:<name>" or "user:<Slack user id>"');
    if (list && list.length === 0) c.error(npath, "must not be empty");
    list?.forEach((t, i) => {
      const tpath = `${npath}[${i}]`;
      const m = typeof t === "string" ? /^(schedule|user):(.+)$/.exec(t) : null;
      if (!m) {
        c.error(tpath, `expected "schedule:<name>" or "user:<Slack user id>", got ${describe(t)}`);
      } else if (m[1] === "schedule") {
        if (!scheduleNames.has(m[2])) c.error(tpath, `schedule "${m[2]}" is not defined`);
        else notify.push({ kind: "schedule", name: m[2] });
      } else {
        const id = c.userId(m[2], tpath);
        if (id) notify.push({ kind: "user", userId: id });
      }
    });
  }
  let escalateAfterSeconds: number | null = null;
  const rawAfter = c.required(raw, "escalate_after", path);
  if (rawAfter !== undefined) {
    escalateAfterSeconds = parseDuration(rawAfter);
    if (escalateAfterSeconds === null) c.error(join(path, "escalate_after"), "expected a duration like 5m");
  }
  if (c.errors.length > before || escalateAfterSeconds === null) return undefined;
  return { notify, escalateAfterSeconds };
}

function checkService(c: Checker, name: string, raw: unknown, path: string, policyNames: Set<string>): Service | undefined {
  if (!isMap(raw)) {
    c.error(path, "expected a mapping with escalation_policy");
    return undefined;
  }
  c.keys(raw, SERVICE_KEYS, path);
  const before = c.errors.length;
  const p = c.required(raw, "escalation_policy", path);
  let policy: string | undefined;
  if (p !== undefined) {
    if (typeof p !== "string") c.error(join(path, "escalation_policy"), "expected the name of an escalation policy");
    else if (!policyNames.has(p)) c.error(join(path, "escalation_policy"), `escalation policy "${p}" is not defined`);
    else policy = p;
  }
  const slo = raw.slo === undefined || raw.slo === null ? null : checkSlo(c, raw.slo, join(path, "slo"));
  if (c.errors.length > before || !policy) return undefined;
  return { name, escalationPolicy: policy, ...(slo ? { slo } : {}) };
}

/** `slo: { objective: 99.9, window: 30d, counts_from: sev2 }` (counts_from defaults to sev2). */
function checkSlo(c: Checker, raw: unknown, path: string): ServiceSlo | null {
  if (!isMap(raw)) {
    c.error(path, "expected a mapping with objective, window and counts_from");
    return null;
  }
  c.keys(raw, SLO_KEYS, path);
  const before = c.errors.length;
  const objective = c.required(raw, "objective", path);
  if (objective !== undefined && (typeof objective !== "number" || !(objective > 0 && objective < 100))) {
    c.error(join(path, "objective"), "expected a percentage above 0 and below 100, like 99.9");
  }
  const window = c.required(raw, "window", path);
  const windowSeconds = window === undefined ? null : parseLongDuration(window);
  if (window !== undefined && windowSeconds === null) c.error(join(path, "window"), "expected a duration like 30d, 4w or 24h");
  const from = raw.counts_from ?? "sev2";
  const m = typeof from === "string" ? /^sev([1-4])$/i.exec(from) : null;
  if (!m) c.error(join(path, "counts_from"), "expected a severity: sev1, sev2, sev3 or sev4");
  if (c.errors.length > before) return null;
  return { objective: objective as number, windowSeconds: windowSeconds!, countsFrom: `SEV${m![1]}` as ServiceSlo["countsFrom"] };
}

/** A list of people and user groups (`admins`, a schedule's `owners`). */
function checkPrincipals(c: Checker, raw: unknown, path: string): string[] {
  if (raw === undefined || raw === null) return [];
  const list = c.list(raw, path, "a list of Slack user ids or user group ids (S…)");
  const out: string[] = [];
  list?.forEach((v, i) => {
    if (isPrincipal(v)) out.push(v);
    else c.error(`${path}[${i}]`, `${describe(v)} is not a Slack user id (U…/W…) or user group id (S…)`);
  });
  return out;
}

function checkAccess(c: Checker, raw: unknown): Access | null {
  if (raw === undefined || raw === null) return null;
  const access: Access = { admins: [], maxOverrideSeconds: DEFAULT_MAX_OVERRIDE_SECONDS };
  if (!isMap(raw)) {
    c.error("access", "expected a mapping with admins and max_override");
    return access;
  }
  c.keys(raw, ACCESS_KEYS, "access");
  access.admins = checkPrincipals(c, raw.admins, "access.admins");
  if (raw.max_override !== undefined && raw.max_override !== null) {
    const seconds = parseLongDuration(raw.max_override);
    if (seconds === null) c.error("access.max_override", "expected a duration like 14d or 36h");
    else access.maxOverrideSeconds = seconds;
  }
  return access;
}

function checkWhenEmpty(c: Checker, raw: unknown, path: string): "keep" | string | undefined {
  if (raw === undefined || raw === null || raw === "keep") return "keep";
  if (isSlackUserId(raw)) return raw;
  c.error(path, `expected keep (leave the members as they are) or a Slack user id, got ${describe(raw)}`);
  return undefined;
}

function checkGroupId(c: Checker, raw: unknown, path: string): string | undefined {
  if (typeof raw === "string" && USER_GROUP_ID_RE.test(raw)) return raw;
  c.error(path, `${describe(raw)} is not a Slack user group id (S followed by uppercase letters and digits)`);
  return undefined;
}

/** A schedule's `channel`: a Slack channel id (C…, or G… for an old private channel). */
function checkChannel(c: Checker, raw: unknown, path: string): string | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw === "string" && CHANNEL_ID_RE.test(raw)) return raw;
  c.error(path, `${describe(raw)} is not a Slack channel id (C followed by uppercase letters and digits; a channel's details in Slack show it)`);
  return undefined;
}

/** A schedule's `slack_usergroup`: an id, or `{ id, when_empty }`. */
function checkScheduleUserGroup(c: Checker, schedule: string, raw: unknown, path: string): UserGroupSync | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!isMap(raw)) {
    const groupId = checkGroupId(c, raw, path);
    return groupId ? { name: schedule, groupId, schedules: [schedule], whenEmpty: "keep" } : undefined;
  }
  c.keys(raw, ["id", "when_empty"], path);
  const id = c.required(raw, "id", path);
  const groupId = id === undefined ? undefined : checkGroupId(c, id, join(path, "id"));
  const whenEmpty = checkWhenEmpty(c, raw.when_empty, join(path, "when_empty"));
  return groupId && whenEmpty ? { name: schedule, groupId, schedules: [schedule], whenEmpty } : undefined;
}

/** The `usergroups` section: `{ <name>: { id, schedules, when_empty } }`. */
function checkUserGroups(c: Checker, raw: unknown, scheduleNames: Set<string>): UserGroupSync[] {
  const out: UserGroupSync[] = [];
  for (const [name, value] of c.namedEntries(raw, "usergroups", "user group")) {
    const path = `usergroups.${name}`;
    if (!isMap(value)) {
      c.error(path, "expected a mapping with id, schedules and when_empty");
      continue;
    }
    c.keys(value, USERGROUP_KEYS, path);
    const before = c.errors.length;
    const id = c.required(value, "id", path);
    const groupId = id === undefined ? undefined : checkGroupId(c, id, join(path, "id"));
    const schedules: string[] = [];
    const rawSchedules = c.required(value, "schedules", path);
    if (rawSchedules !== undefined) {
      const list = c.list(rawSchedules, join(path, "schedules"), "a list of schedule names");
      if (list && list.length === 0) c.error(join(path, "schedules"), "must not be empty");
      list?.forEach((s, i) => {
        if (typeof s === "string" && scheduleNames.has(s)) schedules.push(s);
        else c.error(`${path}.schedules[${i}]`, typeof s === "string" ? `schedule "${s}" is not defined` : `expected a schedule name, got ${describe(s)}`);
      });
    }
    const whenEmpty = checkWhenEmpty(c, value.when_empty, join(path, "when_empty"));
    if (c.errors.length === before && groupId && whenEmpty) out.push({ name, groupId, schedules: [...new Set(schedules)], whenEmpty });
  }
  return out;
}

/** `working_hours: { days: [mon, tue, wed, thu, fri], from: "09:00", to: "18:00" }` (each key defaults to that). */
function checkWorkingHours(c: Checker, raw: unknown): WorkingHours | null {
  if (raw === undefined || raw === null) return null;
  const path = "working_hours";
  if (!isMap(raw)) {
    c.error(path, "expected a mapping with days, from and to");
    return null;
  }
  c.keys(raw, WORKING_HOURS_KEYS, path);
  const before = c.errors.length;
  let days = DEFAULT_WORKING_HOURS.days;
  if (raw.days !== undefined && raw.days !== null) {
    const list = c.list(raw.days, join(path, "days"), "a list of weekdays like [mon, tue]");
    if (list && list.length === 0) c.error(join(path, "days"), "must not be empty");
    const picked: Weekday[] = [];
    list?.forEach((d, i) => {
      const day = parseWeekday(d);
      if (day) picked.push(day);
      else c.error(`${path}.days[${i}]`, `unknown weekday ${describe(d)} (expected mon, tue, wed, thu, fri, sat or sun)`);
    });
    days = WEEKDAYS.filter((d) => picked.includes(d));
  }
  const times = { from: DEFAULT_WORKING_HOURS.from, to: DEFAULT_WORKING_HOURS.to };
  for (const key of ["from", "to"] as const) {
    const v = raw[key];
    if (v === undefined || v === null) continue;
    if (typeof v !== "string" || parseHHMM(v) === null) c.error(join(path, key), "expected a time like 09:00 (HH:MM, 00:00 to 23:59)");
    else times[key] = v;
  }
  if (c.errors.length === before && parseHHMM(times.to)! <= parseHHMM(times.from)!) c.error(join(path, "to"), `must be after from (${times.from})`);
  if (c.errors.length > before) return null;
  return { days, ...times };
}

/** `1h`, `90s`, `2d`: a duration in seconds for heartbeats (seconds to weeks); null if malformed. */
function parseAnyDuration(text: unknown): number | null {
  return parseDuration(text) ?? parseLongDuration(text);
}

function checkIntegration(c: Checker, name: string, raw: unknown, path: string, serviceNames: Set<string>): Integration | undefined {
  if (!isMap(raw)) {
    c.error(path, "expected a mapping with kind and service");
    return undefined;
  }
  c.keys(raw, INTEGRATION_KEYS, path);
  const before = c.errors.length;
  const kind = c.required(raw, "kind", path);
  if (kind !== undefined && !INTEGRATION_KINDS.includes(kind as IntegrationKind)) c.error(join(path, "kind"), `expected one of ${INTEGRATION_KINDS.join(", ")}, not ${describe(kind)}`);
  const service = c.required(raw, "service", path);
  if (service !== undefined) {
    if (typeof service !== "string") c.error(join(path, "service"), "expected a service name");
    else if (!serviceNames.has(service)) c.error(join(path, "service"), `service "${service}" is not defined${serviceNames.size ? ` (services: ${[...serviceNames].join(", ")})` : ""}`);
  }
  let declareIncident: Integration["declareIncident"] = null;
  if (raw.declare_incident !== undefined && raw.declare_incident !== null) {
    const at = join(path, "declare_incident");
    const d = raw.declare_incident;
    if (kind === "heartbeat") c.error(at, "a heartbeat does not declare incidents");
    else if (!isMap(d)) c.error(at, "expected a mapping with label and map");
    else {
      c.keys(d, DECLARE_KEYS, at);
      const label = c.required(d, "label", at);
      if (label !== undefined && (typeof label !== "string" || label === "")) c.error(join(at, "label"), "expected a label name like severity");
      const map = c.required(d, "map", at);
      const severities: Record<string, number> = {};
      if (map !== undefined) {
        if (!isMap(map) || Object.keys(map).length === 0) c.error(join(at, "map"), "expected a mapping of label values to severities, like { critical: 1, error: 2 }");
        else
          for (const [value, sev] of Object.entries(map)) {
            const n = typeof sev === "number" ? sev : typeof sev === "string" ? Number(/^(?:sev)?([1-4])$/i.exec(sev)?.[1] ?? NaN) : NaN;
            if (!Number.isInteger(n) || n < 1 || n > 4) c.error(join(join(at, "map"), value), `expected a severity 1–4 (or SEV1–SEV4), not ${describe(sev)}`);
            else severities[value] = n;
          }
      }
      if (typeof label === "string") declareIncident = { label, map: severities };
    }
  }
  let everySeconds: number | null = null;
  let graceSeconds: number | null = null;
  if (kind === "heartbeat") {
    const every = c.required(raw, "every", path);
    if (every !== undefined) {
      everySeconds = parseAnyDuration(every);
      if (everySeconds === null) c.error(join(path, "every"), "expected a duration like 1h, 30m or 1d");
    }
    graceSeconds = DEFAULT_HEARTBEAT_GRACE_SECONDS;
    if (raw.grace !== undefined && raw.grace !== null) {
      graceSeconds = raw.grace === "0" || raw.grace === 0 || raw.grace === "0s" ? 0 : parseAnyDuration(raw.grace);
      if (graceSeconds === null) c.error(join(path, "grace"), "expected a duration like 10m");
    }
  } else {
    for (const key of ["every", "grace"] as const) if (raw[key] !== undefined) c.error(join(path, key), "only a heartbeat integration has every and grace");
  }
  if (c.errors.length > before) return undefined;
  return { name, kind: kind as IntegrationKind, service: service as string, declareIncident, everySeconds, graceSeconds };
}

/** Validate an already-parsed rota value (the result of YAML/JSON parsing). */
export function validateRota(data: unknown): RotaParseResult {
  const c = new Checker();
  if (!isMap(data)) {
    c.error("", "expected a mapping with schedules, escalation_policies and services");
    return { ok: false, errors: c.errors };
  }
  c.keys(data, ROOT_KEYS, "");

  const scheduleEntries = c.namedEntries(data.schedules, "schedules", "schedule");
  const policyEntries = c.namedEntries(data.escalation_policies, "escalation_policies", "escalation policy");
  const serviceEntries = c.namedEntries(data.services, "services", "service");
  const integrationEntries = c.namedEntries(data.integrations, "integrations", "integration");
  // References are checked against every name defined, even where the definition has errors
  // of its own (those are reported there).
  const scheduleNames = new Set(scheduleEntries.map(([n]) => n));
  const policyNames = new Set(policyEntries.map(([n]) => n));

  const schedules: Schedule[] = [];
  const owners: Record<string, string[]> = {};
  const channels: Record<string, string> = {};
  const userGroups: { group: UserGroupSync; path: string }[] = [];
  for (const [name, raw] of scheduleEntries) {
    const s = checkSchedule(c, name, raw, `schedules.${name}`);
    if (s) schedules.push(s);
    if (isMap(raw)) {
      const named = checkPrincipals(c, raw.owners, `schedules.${name}.owners`);
      if (named.length > 0) owners[name] = named;
      const channel = checkChannel(c, raw.channel, `schedules.${name}.channel`);
      if (channel) channels[name] = channel;
      const group = checkScheduleUserGroup(c, name, raw.slack_usergroup, `schedules.${name}.slack_usergroup`);
      if (group) userGroups.push({ group, path: `schedules.${name}.slack_usergroup` });
    }
  }
  for (const group of checkUserGroups(c, data.usergroups, scheduleNames)) userGroups.push({ group, path: `usergroups.${group.name}.id` });
  // One group, one list of members: a group synced twice would be set by each in turn.
  const syncedBy = new Map<string, string>();
  for (const { group, path } of userGroups) {
    const first = syncedBy.get(group.groupId);
    if (first) c.error(path, `user group ${group.groupId} already follows ${first}; name every schedule of it in one place (usergroups.<name>.schedules)`);
    else syncedBy.set(group.groupId, path.replace(/\.id$/, ""));
  }
  const access = checkAccess(c, data.access);
  const workingHours = checkWorkingHours(c, data.working_hours);
  const escalationPolicies: EscalationPolicy[] = [];
  for (const [name, raw] of policyEntries) {
    const p = checkPolicy(c, name, raw, `escalation_policies.${name}`, scheduleNames);
    if (p) escalationPolicies.push(p);
  }
  const services: Service[] = [];
  for (const [name, raw] of serviceEntries) {
    const s = checkService(c, name, raw, `services.${name}`, policyNames);
    if (s) services.push(s);
  }
  const serviceNames = new Set(serviceEntries.map(([n]) => n));
  const integrations: Integration[] = [];
  for (const [name, raw] of integrationEntries) {
    const i = checkIntegration(c, name, raw, `integrations.${name}`, serviceNames);
    if (i) integrations.push(i);
  }
  if (c.errors.length > 0) return { ok: false, errors: c.errors };
  return {
    ok: true,
    rota: { schedules, escalationPolicies, services, integrations, owners, channels, access, userGroups: userGroups.map((g) => g.group), ...(workingHours ? { workingHours } : {}) },
  };
}

/**
 * Parse and validate a rota file (YAML, or JSON). Every error is reported, each as
 * `path: message`; YAML syntax errors as `[file:]line:column: ...`.
 */
export function parseRotaFile(text: string, fileName?: string): RotaParseResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      errors: doc.errors.map((e) => {
        const { line, col } = lineCounter.linePos(e.pos[0]);
        const where = `YAML syntax error at line ${line}, column ${col}: ${e.message}`;
        return fileName ? `${fileName}:${line}:${col}: ${where}` : where;
      }),
    };
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    return { ok: false, errors: [`${fileName ? `${fileName}: ` : ""}YAML error: ${message}`] };
  }
  if (data === null || data === undefined) {
    return { ok: false, errors: [`${fileName ? `${fileName}: ` : ""}the rota file is empty`] };
  }
  return validateRota(data);
}

/** Where a synced user group is defined: `schedules.<name>.slack_usergroup` or `usergroups.<name>`. */
export function userGroupPath(g: UserGroupSync): string {
  return g.schedules.length === 1 && g.name === g.schedules[0] ? `schedules.${g.name}.slack_usergroup` : `usergroups.${g.name}`;
}

/** Every user id of the file with where it stands, in the file's path notation. */
export function userReferences(rota: Rota): { path: string; userId: string }[] {
  const refs: { path: string; userId: string }[] = [];
  for (const s of rota.schedules) {
    s.layers.forEach((layer, i) => layer.members.forEach((m, j) => refs.push({ path: `schedules.${s.name}.layers[${i}].members[${j}]`, userId: m })));
    s.overrides.forEach((o, k) => refs.push({ path: `schedules.${s.name}.overrides[${k}].user`, userId: o.user }));
    (rota.owners[s.name] ?? []).forEach((o, k) => isSlackUserId(o) && refs.push({ path: `schedules.${s.name}.owners[${k}]`, userId: o }));
  }
  rota.access?.admins.forEach((a, k) => isSlackUserId(a) && refs.push({ path: `access.admins[${k}]`, userId: a }));
  for (const g of rota.userGroups) if (g.whenEmpty !== "keep") refs.push({ path: `${userGroupPath(g)}.when_empty`, userId: g.whenEmpty });
  for (const p of rota.escalationPolicies) {
    p.levels.forEach((level, i) =>
      level.notify.forEach((t, j) => {
        if (t.kind === "user") refs.push({ path: `escalation_policies.${p.name}.levels[${i}].notify[${j}]`, userId: t.userId });
      }),
    );
  }
  return refs;
}

/** Every user group (S…) a rota names, as owner, admin or synced group, with its path in the file. */
export function userGroupReferences(rota: Rota): { path: string; groupId: string }[] {
  const refs: { path: string; groupId: string }[] = [];
  for (const g of rota.userGroups) refs.push({ path: `${userGroupPath(g)}.id`, groupId: g.groupId });
  for (const s of rota.schedules) {
    (rota.owners[s.name] ?? []).forEach((o, k) => isUserGroupId(o) && refs.push({ path: `schedules.${s.name}.owners[${k}]`, groupId: o }));
  }
  rota.access?.admins.forEach((a, k) => isUserGroupId(a) && refs.push({ path: `access.admins[${k}]`, groupId: a }));
  return refs;
}
