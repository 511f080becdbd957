// On-call's tables: schedules (with their overrides), escalation policies, services, and the
// shift notices sent, and the rota's settings (working hours). The only file that reads or writes them. Every function takes a Prisma
// client or a transaction client, so callers choose the transaction. Rows are turned into the
// pure types of schedule.ts and rota-file.ts.
import { Prisma } from "../db/client.ts";
import { wakeAfterCommit, type DbClient, type RawTx, type Tx } from "../db/tx.ts";
import { UserError } from "../errors.ts";
import {
  isSlackUserId,
  type Access,
  type EscalationLevel,
  type EscalationPolicy,
  type Integration,
  type IntegrationKind,
  type Rota,
  type Service,
  type ServiceSlo,
  type UserGroupSync,
  type WorkingHours,
} from "./rota-file.ts";
import type { Layer, Override, Schedule } from "./schedule.ts";
import { WEEKDAYS, type Weekday } from "./zoned.ts";

export type { DbClient, Tx } from "../db/tx.ts";

/**
 * "There is no schedule X", said one way everywhere, with the schedules there are. `where` says
 * where it was looked for (a rota file); `hint` adds how to get schedules when there are none.
 */
export function noSuchSchedule(name: string, known: string[], opts: { where?: string; hint?: boolean } = {}): UserError {
  const where = opts.where ?? "";
  return new UserError(
    "not_found",
    known.length > 0
      ? `There is no schedule \`${name}\`${where}. Schedules: ${known.join(", ")}.`
      : `There is no schedule \`${name}\`${where}${opts.hint === false ? "" : " (no schedules yet: apply a rota file with `incident-bot rota apply <file>`)"}.`,
  );
}

/** Where an override comes from: the rota file (replaced by each apply) or Slack (kept). */
export type OverrideSource = "file" | "slack";

export interface OverrideRecord extends Override {
  id: number;
  schedule: string;
  source: OverrideSource;
  createdById: string | null;
  createdAt: Date;
}

export interface ScheduleSummary {
  id: number;
  name: string;
  timezone: string;
  layers: Layer[];
  updatedAt: Date;
}

export interface TimeWindow {
  from: Date;
  to: Date;
}

function validDate(d: unknown): d is Date {
  return d instanceof Date && Number.isFinite(d.getTime());
}

/** The layers column, as stored (the Layer[] of the rota file). */
export function layersFromJson(value: Prisma.JsonValue): Layer[] {
  if (!Array.isArray(value)) return [];
  // Stored by applyRota from a validated file; a deep copy keeps callers from sharing state.
  return structuredClone(value) as unknown as Layer[];
}

export function levelsFromJson(value: Prisma.JsonValue): EscalationLevel[] {
  if (!Array.isArray(value)) return [];
  return structuredClone(value) as unknown as EscalationLevel[];
}

/**
 * A schedule with its overrides (from the file and from Slack). With a window, only the
 * overrides overlapping [from, to) are loaded (an indexed query on schedule_id, end_at), which
 * is all `onCallAt`/`segments` need for instants inside the window. Overrides come ordered by
 * start, then by when they were made. Null when there is no such schedule.
 */
export async function loadSchedule(db: DbClient, name: string, window?: TimeWindow): Promise<Schedule | null> {
  if (window && (!validDate(window.from) || !validDate(window.to))) {
    throw new RangeError("loadSchedule: window.from and window.to must be valid dates");
  }
  const row = await db.schedule.findUnique({ where: { name } });
  if (!row) return null;
  const rows = await db.scheduleOverride.findMany({
    where: window
      ? { scheduleId: row.id, endAt: { gt: window.from }, startAt: { lt: window.to } }
      : { scheduleId: row.id },
    select: { userId: true, startAt: true, endAt: true },
    orderBy: [{ startAt: "asc" }, { id: "asc" }],
  });
  return {
    name: row.name,
    timezone: row.timezone,
    layers: layersFromJson(row.layers),
    overrides: rows.map((o) => ({ user: o.userId, start: o.startAt, end: o.endAt })),
  };
}

/**
 * Several schedules with their overrides in [from, to), in two queries whatever their number
 * (the escalation engine asks for every schedule a batch of steps names). Unknown names are absent.
 */
export async function loadSchedules(db: RawTx, names: string[], window: TimeWindow): Promise<Map<string, Schedule>> {
  const out = new Map<string, Schedule>();
  if (names.length === 0) return out;
  const rows = await db.$queryRaw<{ id: number; name: string; timezone: string; layers: Prisma.JsonValue }[]>`
    SELECT id, name, timezone, layers FROM schedule WHERE name = ANY(${names}::text[])`;
  if (rows.length === 0) return out;
  const overrides = await db.$queryRaw<{ schedule_id: number; user_id: string; start_at: Date; end_at: Date }[]>`
    SELECT schedule_id, user_id, start_at, end_at FROM schedule_override
     WHERE schedule_id = ANY(${rows.map((r) => r.id)}::int[]) AND end_at > ${window.from} AND start_at < ${window.to}
     ORDER BY start_at, id`;
  for (const row of rows) {
    out.set(row.name, {
      name: row.name,
      timezone: row.timezone,
      layers: layersFromJson(row.layers),
      overrides: overrides.filter((o) => o.schedule_id === row.id).map((o) => ({ user: o.user_id, start: o.start_at, end: o.end_at })),
    });
  }
  return out;
}

/** Every schedule (without overrides), by name. */
export async function listSchedules(db: DbClient): Promise<ScheduleSummary[]> {
  const rows = await db.schedule.findMany({ orderBy: { name: "asc" } });
  return rows.map((r) => ({ id: r.id, name: r.name, timezone: r.timezone, layers: layersFromJson(r.layers), updatedAt: r.updatedAt }));
}

export async function loadPolicy(db: RawTx, name: string): Promise<EscalationPolicy | null> {
  const [row] = await db.$queryRaw<{ name: string; levels: Prisma.JsonValue; repeat: number }[]>`SELECT name, levels, repeat FROM escalation_policy WHERE name = ${name}`;
  return row ? { name: row.name, levels: levelsFromJson(row.levels), repeat: row.repeat } : null;
}

export async function loadService(db: RawTx, name: string): Promise<Service | null> {
  const [row] = await db.$queryRaw<{ name: string; escalation_policy: string; slo: Prisma.JsonValue | null }[]>`SELECT name, escalation_policy, slo FROM service WHERE name = ${name}`;
  return row ? serviceOf({ name: row.name, escalationPolicy: row.escalation_policy, slo: row.slo }) : null;
}

/** A service as the rota file says it (`slo` only when it has one). */
function serviceOf(row: { name: string; escalationPolicy: string; slo: Prisma.JsonValue | null }): Service {
  const slo = sloFromJson(row.slo);
  return { name: row.name, escalationPolicy: row.escalationPolicy, ...(slo ? { slo } : {}) };
}

/** A service's SLO as stored (null: none). */
function sloFromJson(value: Prisma.JsonValue | null): ServiceSlo | null {
  if (!value || typeof value !== "object" || Array.isArray(value)) return null;
  const v = value as Record<string, unknown>;
  if (typeof v.objective !== "number" || typeof v.windowSeconds !== "number" || typeof v.countsFrom !== "string") return null;
  return { objective: v.objective, windowSeconds: v.windowSeconds, countsFrom: v.countsFrom as ServiceSlo["countsFrom"] };
}

/** The services that have an SLO, by name. */
export async function servicesWithSlo(db: DbClient): Promise<{ name: string; slo: ServiceSlo }[]> {
  const rows = await db.service.findMany({ where: { slo: { not: Prisma.DbNull } }, orderBy: { name: "asc" } });
  return rows.flatMap((r) => {
    const slo = sloFromJson(r.slo);
    return slo ? [{ name: r.name, slo }] : [];
  });
}

async function scheduleIdOrRefuse(db: DbClient, name: string): Promise<number> {
  const row = await db.schedule.findUnique({ where: { name }, select: { id: true } });
  if (row) return row.id;
  throw noSuchSchedule(name, await scheduleNames(db));
}

export async function scheduleNames(db: RawTx): Promise<string[]> {
  return (await db.$queryRaw<{ name: string }[]>`SELECT name FROM schedule ORDER BY name`).map((s) => s.name);
}

export async function serviceNames(db: RawTx): Promise<string[]> {
  return (await db.$queryRaw<{ name: string }[]>`SELECT name FROM service ORDER BY name`).map((s) => s.name);
}

export interface AddOverrideInput {
  /** The schedule's name. */
  schedule: string;
  userId: string;
  start: Date;
  end: Date;
  createdById: string;
  /** When it was made (default: now). */
  createdAt?: Date;
}

/** Records an override made from Slack ([start, end), source "slack"; applies never touch it). */
export async function addOverride(tx: DbClient, input: AddOverrideInput): Promise<{ id: number }> {
  const { schedule, userId, start, end, createdById } = input;
  if (!validDate(start) || !validDate(end)) throw new UserError("invalid_input", "The override needs a valid start and end.");
  if (end.getTime() <= start.getTime()) {
    throw new UserError("invalid_input", `The override must end after it starts (it starts ${start.toISOString()} and ends ${end.toISOString()}).`);
  }
  if (!isSlackUserId(userId)) throw new UserError("invalid_input", `"${userId}" is not a Slack user id (like U0123ABCD).`);
  const scheduleId = await scheduleIdOrRefuse(tx, schedule);
  const row = await tx.scheduleOverride.create({
    data: { scheduleId, userId, startAt: start, endAt: end, source: "slack", createdById, createdAt: input.createdAt ?? new Date() },
    select: { id: true },
  });
  return { id: row.id };
}

function toRecord(row: {
  id: number;
  userId: string;
  startAt: Date;
  endAt: Date;
  source: string;
  createdById: string | null;
  createdAt: Date;
  schedule: { name: string };
}): OverrideRecord {
  return {
    id: row.id,
    schedule: row.schedule.name,
    user: row.userId,
    start: row.startAt,
    end: row.endAt,
    source: row.source === "file" ? "file" : "slack",
    createdById: row.createdById,
    createdAt: row.createdAt,
  };
}

const RECORD_SELECT = {
  id: true,
  userId: true,
  startAt: true,
  endAt: true,
  source: true,
  createdById: true,
  createdAt: true,
  schedule: { select: { name: true } },
} as const;

/**
 * Removes an override made from Slack and returns it. An override from the rota file is refused
 * (the next apply would bring it back): change the file instead.
 */
export async function removeOverride(tx: DbClient, id: number): Promise<OverrideRecord> {
  const row = Number.isSafeInteger(id) && id > 0 && id <= 2_147_483_647 ? await tx.scheduleOverride.findUnique({ where: { id }, select: RECORD_SELECT }) : null;
  if (!row) throw new UserError("not_found", `There is no override ${id}.`);
  if (row.source === "file") {
    throw new UserError("conflict", `Override ${id} comes from the rota file; change the file and apply it to remove it.`);
  }
  await tx.scheduleOverride.delete({ where: { id } });
  return toRecord(row);
}

/** One override, or null when there is no such override. */
export async function overrideById(db: DbClient, id: number): Promise<OverrideRecord | null> {
  const row = Number.isSafeInteger(id) && id > 0 && id <= 2_147_483_647 ? await db.scheduleOverride.findUnique({ where: { id }, select: RECORD_SELECT }) : null;
  return row ? toRecord(row) : null;
}

/** The overrides of a schedule (both sources) that have not ended by `from`, by start. */
export async function listOverrides(db: DbClient, schedule: string, opts: { from: Date }): Promise<OverrideRecord[]> {
  if (!validDate(opts.from)) throw new RangeError("listOverrides: from must be a valid date");
  const scheduleId = await scheduleIdOrRefuse(db, schedule);
  const rows = await db.scheduleOverride.findMany({
    where: { scheduleId, endAt: { gt: opts.from } },
    select: RECORD_SELECT,
    orderBy: [{ startAt: "asc" }, { id: "asc" }],
  });
  return rows.map(toRecord);
}

// ---------------------------------------------------------------------------------------------
// Shift notices
// ---------------------------------------------------------------------------------------------

/** Records that the person was told of this shift; false when they were already (by any process). */
export async function recordShiftNotice(tx: Tx, scheduleName: string, userId: string, shiftStartAt: Date, now: Date): Promise<boolean> {
  const inserted = await tx.$executeRaw`INSERT INTO shift_notice (schedule_name, user_id, shift_start_at, sent_at)
    VALUES (${scheduleName}, ${userId}, ${shiftStartAt}, ${now}) ON CONFLICT DO NOTHING`;
  return inserted === 1;
}

// ---------------------------------------------------------------------------------------------
// Rota apply (apply.ts plans; these read what is stored and write the plan)
// ---------------------------------------------------------------------------------------------

export interface StoredRota {
  schedules: { id: number; name: string; timezone: string; layers: Layer[]; owners: string[]; channel: string | null }[];
  policies: { name: string; levels: EscalationLevel[]; repeat: number }[];
  services: { name: string; escalationPolicy: string; slo: ServiceSlo | null }[];
  integrations: Integration[];
  /** The overrides from the file, of the schedules named. */
  fileOverrides: { id: number; scheduleId: number; userId: string; startAt: Date; endAt: Date }[];
  /** The access section last applied (null: never). */
  access: Access | null;
  userGroups: UserGroupSync[];
  /** The working hours last applied (null: never, the default applies). */
  workingHours: WorkingHours | null;
}

/**
 * The rota as stored, in the rota file's shape: every schedule (with its overrides, from the file
 * and from Slack, that end after `overridesFrom`), escalation policy, service, the owners and the
 * access section. What `incident-bot doctor` checks the people of.
 */
export async function loadRota(db: DbClient, opts: { overridesFrom: Date }): Promise<Rota> {
  const [schedules, policies, services, integrations, access, userGroups, overrides] = await Promise.all([
    db.schedule.findMany({ orderBy: { name: "asc" } }),
    db.escalationPolicy.findMany({ orderBy: { name: "asc" } }),
    db.service.findMany({ orderBy: { name: "asc" } }),
    listIntegrations(db),
    loadAccess(db),
    listUserGroups(db),
    db.scheduleOverride.findMany({
      where: { endAt: { gt: opts.overridesFrom } },
      select: { scheduleId: true, userId: true, startAt: true, endAt: true },
      orderBy: [{ startAt: "asc" }, { id: "asc" }],
    }),
  ]);
  return {
    schedules: schedules.map((r) => ({
      name: r.name,
      timezone: r.timezone,
      layers: layersFromJson(r.layers),
      overrides: overrides.filter((o) => o.scheduleId === r.id).map((o) => ({ user: o.userId, start: o.startAt, end: o.endAt })),
    })),
    escalationPolicies: policies.map((r) => ({ name: r.name, levels: levelsFromJson(r.levels), repeat: r.repeat })),
    services: services.map(serviceOf),
    integrations,
    owners: Object.fromEntries(schedules.map((r) => [r.name, principalsFromJson(r.owners)])),
    channels: Object.fromEntries(schedules.filter((r) => r.channel !== null).map((r) => [r.name, r.channel!])),
    access,
    userGroups,
  };
}

/** Everything stored, by name, with the file overrides of the schedules the file names. */
export async function readStoredRota(db: DbClient, fileSchedules: string[]): Promise<StoredRota> {
  const [schedules, policies, services, integrations, access, userGroups, workingHours] = await Promise.all([
    db.schedule.findMany({ orderBy: { name: "asc" } }),
    db.escalationPolicy.findMany({ orderBy: { name: "asc" } }),
    db.service.findMany({ orderBy: { name: "asc" } }),
    listIntegrations(db),
    loadAccess(db),
    listUserGroups(db),
    storedWorkingHours(db),
  ]);
  const fileOverrides = await db.scheduleOverride.findMany({
    where: { source: "file", scheduleId: { in: schedules.filter((r) => fileSchedules.includes(r.name)).map((r) => r.id) } },
    select: { id: true, scheduleId: true, userId: true, startAt: true, endAt: true },
    orderBy: [{ startAt: "asc" }, { id: "asc" }],
  });
  return {
    schedules: schedules.map((r) => ({ id: r.id, name: r.name, timezone: r.timezone, layers: layersFromJson(r.layers), owners: principalsFromJson(r.owners), channel: r.channel })),
    policies: policies.map((r) => ({ name: r.name, levels: levelsFromJson(r.levels), repeat: r.repeat })),
    services: services.map((r) => ({ name: r.name, escalationPolicy: r.escalationPolicy, slo: sloFromJson(r.slo) })),
    integrations,
    fileOverrides,
    access,
    userGroups,
    workingHours,
  };
}

/** How many overrides each of these schedules has, by source. */
export async function overrideCountsBySource(db: DbClient, scheduleIds: number[]): Promise<{ scheduleId: number; source: string; count: number }[]> {
  const rows = await db.scheduleOverride.groupBy({ by: ["scheduleId", "source"], where: { scheduleId: { in: scheduleIds } }, _count: { _all: true } });
  return rows.map((r) => ({ scheduleId: r.scheduleId, source: r.source, count: r._count._all }));
}

/** What an apply writes (apply.ts works it out). */
export interface RotaWrite {
  schedules: { id?: number; name: string; timezone: string; layers: Layer[]; owners: string[]; channel: string | null; removeOverrideIds: number[]; addOverrides: Override[] }[];
  policies: { create: boolean; name: string; levels: EscalationLevel[]; repeat: number }[];
  services: { create: boolean; name: string; escalationPolicy: string; slo: ServiceSlo | null }[];
  integrations: Integration[];
  deletes: { schedules: string[]; policies: string[]; services: string[]; userGroups: string[]; integrations: string[] };
  access: Access | null;
  /** User groups created or changed (by group id). */
  userGroups: UserGroupSync[];
  /** The working hours to write, when the file gives them and they differ. */
  workingHours?: WorkingHours | null;
}

export async function writeRota(tx: Tx, w: RotaWrite, now: Date): Promise<void> {
  wakeAfterCommit(tx, "access"); // admins, owners and integrations may have changed
  for (const s of w.schedules) {
    const layers = s.layers as unknown as Prisma.InputJsonValue;
    const owners = s.owners as Prisma.InputJsonValue;
    const channel = s.channel;
    let id = s.id;
    if (id === undefined) id = (await tx.schedule.create({ data: { name: s.name, timezone: s.timezone, layers, owners, channel, updatedAt: now }, select: { id: true } })).id;
    else await tx.schedule.update({ where: { id }, data: { timezone: s.timezone, layers, owners, channel, updatedAt: now } });
    if (s.removeOverrideIds.length > 0) await tx.scheduleOverride.deleteMany({ where: { id: { in: s.removeOverrideIds }, source: "file" } });
    if (s.addOverrides.length > 0) {
      await tx.scheduleOverride.createMany({
        data: s.addOverrides.map((o) => ({ scheduleId: id!, userId: o.user, startAt: o.start, endAt: o.end, source: "file", createdById: null, createdAt: now })),
      });
    }
  }
  for (const p of w.policies) {
    const data = { levels: p.levels as unknown as Prisma.InputJsonValue, repeat: p.repeat, updatedAt: now };
    if (p.create) await tx.escalationPolicy.create({ data: { name: p.name, ...data } });
    else await tx.escalationPolicy.update({ where: { name: p.name }, data });
  }
  for (const s of w.services) {
    const data = { escalationPolicy: s.escalationPolicy, slo: s.slo ? (s.slo as unknown as Prisma.InputJsonValue) : Prisma.DbNull, updatedAt: now };
    if (s.create) await tx.service.create({ data: { name: s.name, ...data } });
    else await tx.service.update({ where: { name: s.name }, data });
  }
  for (const i of w.integrations) {
    const data = { kind: i.kind, service: i.service, config: integrationConfig(i), updatedAt: now };
    await tx.integration.upsert({ where: { name: i.name }, create: { name: i.name, ...data }, update: data });
  }
  if (w.deletes.integrations.length > 0) await tx.integration.deleteMany({ where: { name: { in: w.deletes.integrations } } });
  if (w.deletes.services.length > 0) await tx.service.deleteMany({ where: { name: { in: w.deletes.services } } });
  if (w.deletes.policies.length > 0) await tx.escalationPolicy.deleteMany({ where: { name: { in: w.deletes.policies } } });
  if (w.deletes.schedules.length > 0) await tx.schedule.deleteMany({ where: { name: { in: w.deletes.schedules } } });
  for (const g of w.userGroups) {
    // A changed definition is sent again at the next tick, and a problem Slack reported is tried again.
    const data = { name: g.name, schedules: g.schedules as Prisma.InputJsonValue, whenEmpty: g.whenEmpty, members: Prisma.DbNull, problem: null, problemAt: null, updatedAt: now };
    await tx.oncallUserGroup.upsert({ where: { groupId: g.groupId }, create: { groupId: g.groupId, ...data }, update: data });
  }
  if (w.deletes.userGroups.length > 0) await tx.oncallUserGroup.deleteMany({ where: { groupId: { in: w.deletes.userGroups } } });
  if (w.access) {
    const data = { admins: w.access.admins as Prisma.InputJsonValue, maxOverrideSeconds: w.access.maxOverrideSeconds, updatedAt: now };
    await tx.rotaAccess.upsert({ where: { id: 1 }, create: { id: 1, ...data }, update: data });
  }
  if (w.workingHours) {
    const data = { workingHours: w.workingHours as unknown as Prisma.InputJsonValue, updatedAt: now };
    await tx.rotaSettings.upsert({ where: { id: 1 }, create: { id: 1, ...data }, update: data });
  }
}

/** The working hours last applied from a rota file (null: never; the default then applies). */
export async function storedWorkingHours(db: DbClient): Promise<WorkingHours | null> {
  const row = await db.rotaSettings.findUnique({ where: { id: 1 } });
  const v = row?.workingHours as { days?: unknown; from?: unknown; to?: unknown } | null | undefined;
  if (!v || !Array.isArray(v.days) || typeof v.from !== "string" || typeof v.to !== "string") return null;
  return { days: v.days.filter((d): d is Weekday => typeof d === "string" && (WEEKDAYS as readonly string[]).includes(d)), from: v.from, to: v.to };
}

const integrationConfig = (i: Integration): Prisma.InputJsonValue =>
  ({ declareIncident: i.declareIncident, everySeconds: i.everySeconds, graceSeconds: i.graceSeconds }) as unknown as Prisma.InputJsonValue;

function toIntegration(r: { name: string; kind: string; service: string; config: Prisma.JsonValue }): Integration {
  const config = (r.config ?? {}) as Partial<Pick<Integration, "declareIncident" | "everySeconds" | "graceSeconds">>;
  return { name: r.name, kind: r.kind as IntegrationKind, service: r.service, declareIncident: config.declareIncident ?? null, everySeconds: config.everySeconds ?? null, graceSeconds: config.graceSeconds ?? null };
}

/** Every integration applied from the rota file, by name. */
export async function listIntegrations(db: DbClient): Promise<Integration[]> {
  return (await db.integration.findMany({ orderBy: { name: "asc" } })).map(toIntegration);
}

/** One integration as applied, or null (one statement, in any kind of transaction or none). */
export async function loadIntegration(db: RawTx, name: string): Promise<Integration | null> {
  const [row] = await db.$queryRaw<{ name: string; kind: string; service: string; config: Prisma.JsonValue }[]>`SELECT name, kind, service, config FROM integration WHERE name = ${name}`;
  return row ? toIntegration(row) : null;
}

function principalsFromJson(value: Prisma.JsonValue): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

/** The access section last applied, or null when none was. */
export async function loadAccess(db: RawTx): Promise<Access | null> {
  const [row] = await db.$queryRaw<{ admins: Prisma.JsonValue; max_override_seconds: number }[]>`SELECT admins, max_override_seconds FROM rota_access WHERE id = 1`;
  return row ? { admins: principalsFromJson(row.admins), maxOverrideSeconds: row.max_override_seconds } : null;
}

/** Who owns a schedule (user and user group ids); empty when nobody does or there is no such schedule. */
export async function scheduleOwners(db: DbClient, name: string): Promise<string[]> {
  const row = await db.schedule.findUnique({ where: { name }, select: { owners: true } });
  return row ? principalsFromJson(row.owners) : [];
}

/** Every user group named by the access rules (admins and owners), to learn their members. */
export async function userGroupsInAccess(db: DbClient): Promise<string[]> {
  const [access, schedules] = await Promise.all([loadAccess(db), db.schedule.findMany({ select: { owners: true } })]);
  const all = [...(access?.admins ?? []), ...schedules.flatMap((s) => principalsFromJson(s.owners))];
  return [...new Set(all.filter((p) => p.startsWith("S")))];
}

// ---------------------------------------------------------------------------------------------
// Calendar feeds
// ---------------------------------------------------------------------------------------------

/**
 * Records a feed's token hash for a schedule (userId "" for everyone). An existing feed of the same
 * schedule and person is refused unless `replace`, which gives it the new hash (the old URL stops
 * working). Returns whether a feed was replaced.
 */
export async function saveCalendarFeed(tx: DbClient, input: { schedule: string; userId: string; tokenHash: string; replace: boolean; now: Date }): Promise<{ replaced: boolean }> {
  const scheduleId = await scheduleIdOrRefuse(tx, input.schedule);
  const existing = await tx.calendarFeed.findUnique({ where: { scheduleId_userId: { scheduleId, userId: input.userId } }, select: { id: true } });
  if (existing && !input.replace) {
    const whose = input.userId ? ` for ${input.userId}` : "";
    throw new UserError("conflict", `The calendar feed of ${input.schedule}${whose} exists; its address was shown when it was made. Give --rotate to replace its address (the old one stops working).`);
  }
  if (existing) await tx.calendarFeed.update({ where: { id: existing.id }, data: { tokenHash: input.tokenHash, createdAt: input.now } });
  else await tx.calendarFeed.create({ data: { scheduleId, userId: input.userId, tokenHash: input.tokenHash, createdAt: input.now } });
  return { replaced: existing !== null };
}

/** The schedule and person of the feed with this token hash, or null. */
export async function calendarFeedByHash(db: DbClient, tokenHash: string): Promise<{ schedule: string; userId: string | null } | null> {
  const row = await db.calendarFeed.findUnique({ where: { tokenHash }, select: { userId: true, schedule: { select: { name: true } } } });
  return row ? { schedule: row.schedule.name, userId: row.userId === "" ? null : row.userId } : null;
}

// ---------------------------------------------------------------------------------------------
// User groups that follow the rota
// ---------------------------------------------------------------------------------------------

function userGroupFromRow(r: { groupId: string; name: string; schedules: Prisma.JsonValue; whenEmpty: string }): UserGroupSync {
  return { name: r.name, groupId: r.groupId, schedules: principalsFromJson(r.schedules), whenEmpty: r.whenEmpty };
}

/** Every synced user group, as the rota file defines it, by name. */
export async function listUserGroups(db: DbClient): Promise<UserGroupSync[]> {
  return (await db.oncallUserGroup.findMany({ orderBy: [{ name: "asc" }, { groupId: "asc" }] })).map(userGroupFromRow);
}

export interface UserGroupState extends UserGroupSync {
  id: number;
  /** The members last sent (null: never). */
  members: string[] | null;
  version: number;
  problem: string | null;
  problemAt: Date | null;
}

function stateFromRow(r: {
  id: number;
  groupId: string;
  name: string;
  schedules: Prisma.JsonValue;
  whenEmpty: string;
  members: Prisma.JsonValue;
  version: number;
  problem: string | null;
  problemAt: Date | null;
}): UserGroupState {
  return { ...userGroupFromRow(r), id: r.id, members: r.members === null ? null : principalsFromJson(r.members), version: r.version, problem: r.problem, problemAt: r.problemAt };
}

/** Every synced user group with what was last sent to Slack and the problem Slack reported. */
export async function userGroupStates(db: DbClient): Promise<UserGroupState[]> {
  return (await db.oncallUserGroup.findMany({ orderBy: { id: "asc" } })).map(stateFromRow);
}

export async function userGroupState(db: DbClient, id: number): Promise<UserGroupState | null> {
  const row = await db.oncallUserGroup.findUnique({ where: { id } });
  return row ? stateFromRow(row) : null;
}

/**
 * Records the members to send, if the group is still at `version` (so of two processes looking at
 * once, one records them); returns the new version, or null when another process was first.
 */
export async function recordUserGroupMembers(tx: DbClient, id: number, version: number, members: string[], now: Date): Promise<number | null> {
  const { count } = await tx.oncallUserGroup.updateMany({ where: { id, version }, data: { members, version: { increment: 1 }, updatedAt: now } });
  return count === 1 ? version + 1 : null;
}

/** Records what Slack said of the last update: a problem (missing_scope…) or none. */
export async function recordUserGroupProblem(tx: DbClient, id: number, problem: string | null, now: Date): Promise<void> {
  await tx.oncallUserGroup.updateMany({ where: { id }, data: { problem, problemAt: problem === null ? null : now } });
}

/** The overrides (both sources) of these schedules that overlap [from, to), by start. */
export async function overridesInWindow(db: DbClient, scheduleIds: number[], window: TimeWindow): Promise<{ scheduleId: number; source: OverrideSource; override: Override }[]> {
  if (scheduleIds.length === 0) return [];
  const rows = await db.scheduleOverride.findMany({
    where: { scheduleId: { in: scheduleIds }, endAt: { gt: window.from }, startAt: { lt: window.to } },
    select: { scheduleId: true, userId: true, startAt: true, endAt: true, source: true },
    orderBy: [{ startAt: "asc" }, { id: "asc" }],
  });
  return rows.map((r) => ({ scheduleId: r.scheduleId, source: r.source === "file" ? "file" : "slack", override: { user: r.userId, start: r.startAt, end: r.endAt } }));
}

// ---------------------------------------------------------------------------------------------
// Shift swaps
// ---------------------------------------------------------------------------------------------

export type SwapState = "pending" | "accepted" | "declined" | "expired";

export interface SwapRecord {
  id: number;
  schedule: string;
  timezone: string;
  /** The channel the rota file names for the schedule (null: none). */
  channel: string | null;
  askerId: string;
  targetId: string;
  start: Date;
  end: Date;
  /** The target's shift the asker takes in return (a trade), or null. */
  trade: { start: Date; end: Date } | null;
  state: SwapState;
  overrideId: number | null;
  tradeOverrideId: number | null;
  createdAt: Date;
  decidedAt: Date | null;
}

const SWAP_SELECT = {
  id: true,
  askerId: true,
  targetId: true,
  startAt: true,
  endAt: true,
  tradeStartAt: true,
  tradeEndAt: true,
  state: true,
  overrideId: true,
  tradeOverrideId: true,
  createdAt: true,
  decidedAt: true,
  schedule: { select: { name: true, timezone: true, channel: true } },
} as const;

function swapFromRow(r: {
  id: number;
  askerId: string;
  targetId: string;
  startAt: Date;
  endAt: Date;
  tradeStartAt: Date | null;
  tradeEndAt: Date | null;
  state: string;
  overrideId: number | null;
  tradeOverrideId: number | null;
  createdAt: Date;
  decidedAt: Date | null;
  schedule: { name: string; timezone: string; channel: string | null };
}): SwapRecord {
  return {
    id: r.id,
    schedule: r.schedule.name,
    timezone: r.schedule.timezone,
    channel: r.schedule.channel,
    askerId: r.askerId,
    targetId: r.targetId,
    start: r.startAt,
    end: r.endAt,
    trade: r.tradeStartAt && r.tradeEndAt ? { start: r.tradeStartAt, end: r.tradeEndAt } : null,
    state: (["pending", "accepted", "declined", "expired"] as const).find((s) => s === r.state) ?? "expired",
    overrideId: r.overrideId,
    tradeOverrideId: r.tradeOverrideId,
    createdAt: r.createdAt,
    decidedAt: r.decidedAt,
  };
}

/** Records a pending swap request. */
export async function createSwap(
  tx: DbClient,
  input: { schedule: string; askerId: string; targetId: string; start: Date; end: Date; trade: { start: Date; end: Date } | null; requestKey: string | null; now: Date },
): Promise<SwapRecord> {
  const scheduleId = await scheduleIdOrRefuse(tx, input.schedule);
  const row = await tx.shiftSwap.create({
    data: {
      scheduleId,
      askerId: input.askerId,
      targetId: input.targetId,
      startAt: input.start,
      endAt: input.end,
      tradeStartAt: input.trade?.start ?? null,
      tradeEndAt: input.trade?.end ?? null,
      requestKey: input.requestKey,
      createdAt: input.now,
    },
    select: SWAP_SELECT,
  });
  return swapFromRow(row);
}

export async function swapById(db: DbClient, id: number): Promise<SwapRecord | null> {
  const row = Number.isSafeInteger(id) && id > 0 && id <= 2_147_483_647 ? await db.shiftSwap.findUnique({ where: { id }, select: SWAP_SELECT }) : null;
  return row ? swapFromRow(row) : null;
}

/** The swap request a slash command (by its request key) made, or null. */
export async function swapByRequestKey(db: DbClient, requestKey: string): Promise<SwapRecord | null> {
  const row = await db.shiftSwap.findUnique({ where: { requestKey }, select: SWAP_SELECT });
  return row ? swapFromRow(row) : null;
}

/**
 * Decides a pending request (accepted, declined or expired), if it is still pending: of two
 * answers at once (a double click, two processes), one decides it. Returns whether this one did.
 */
export async function decideSwap(tx: DbClient, id: number, state: Exclude<SwapState, "pending">, now: Date): Promise<boolean> {
  const { count } = await tx.shiftSwap.updateMany({ where: { id, state: "pending" }, data: { state, decidedAt: now } });
  return count === 1;
}

/** The overrides an accepted swap made. */
export async function recordSwapOverrides(tx: DbClient, id: number, overrideId: number, tradeOverrideId: number | null): Promise<void> {
  await tx.shiftSwap.update({ where: { id }, data: { overrideId, tradeOverrideId } });
}
