// On-call's tables: schedules (with their overrides), escalation policies, services, and the
// shift notices sent, and the rota's settings (working hours). The only file that reads or writes them. Every function takes a Prisma
// client or a transaction client, so callers choose the transaction. Rows are turned into the
// pure types of schedule.ts and rota-file.ts.
import { Prisma } from "../db/client.ts";
import { wakeAfterCommit, type DbClient, type RawTx, type Tx } from "../db/tx.ts";
import { UserError } from "../errors.ts";
import { isSlackUserId, type Access, type EscalationLevel, type EscalationPolicy, type Integration, type IntegrationKind, type Rota, type Service, type ServiceSlo, type WorkingHours } from "./rota-file.ts";
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
  schedules: { id: number; name: string; timezone: string; layers: Layer[]; owners: string[] }[];
  policies: { name: string; levels: EscalationLevel[]; repeat: number }[];
  services: { name: string; escalationPolicy: string; slo: ServiceSlo | null }[];
  integrations: Integration[];
  /** The overrides from the file, of the schedules named. */
  fileOverrides: { id: number; scheduleId: number; userId: string; startAt: Date; endAt: Date }[];
  /** The access section last applied (null: never). */
  access: Access | null;
  /** The working hours last applied (null: never, the default applies). */
  workingHours: WorkingHours | null;
}

/**
 * The rota as stored, in the rota file's shape: every schedule (with its overrides, from the file
 * and from Slack, that end after `overridesFrom`), escalation policy, service, the owners and the
 * access section. What `incident-bot doctor` checks the people of.
 */
export async function loadRota(db: DbClient, opts: { overridesFrom: Date }): Promise<Rota> {
  const [schedules, policies, services, integrations, access, overrides] = await Promise.all([
    db.schedule.findMany({ orderBy: { name: "asc" } }),
    db.escalationPolicy.findMany({ orderBy: { name: "asc" } }),
    db.service.findMany({ orderBy: { name: "asc" } }),
    listIntegrations(db),
    loadAccess(db),
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
    access,
  };
}

/** Everything stored, by name, with the file overrides of the schedules the file names. */
export async function readStoredRota(db: DbClient, fileSchedules: string[]): Promise<StoredRota> {
  const [schedules, policies, services, integrations, access, workingHours] = await Promise.all([
    db.schedule.findMany({ orderBy: { name: "asc" } }),
    db.escalationPolicy.findMany({ orderBy: { name: "asc" } }),
    db.service.findMany({ orderBy: { name: "asc" } }),
    listIntegrations(db),
    loadAccess(db),
    storedWorkingHours(db),
  ]);
  const fileOverrides = await db.scheduleOverride.findMany({
    where: { source: "file", scheduleId: { in: schedules.filter((r) => fileSchedules.includes(r.name)).map((r) => r.id) } },
    select: { id: true, scheduleId: true, userId: true, startAt: true, endAt: true },
    orderBy: [{ startAt: "asc" }, { id: "asc" }],
  });
  return {
    schedules: schedules.map((r) => ({ id: r.id, name: r.name, timezone: r.timezone, layers: layersFromJson(r.layers), owners: principalsFromJson(r.owners) })),
    policies: policies.map((r) => ({ name: r.name, levels: levelsFromJson(r.levels), repeat: r.repeat })),
    services: services.map((r) => ({ name: r.name, escalationPolicy: r.escalationPolicy, slo: sloFromJson(r.slo) })),
    integrations,
    fileOverrides,
    access,
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
  schedules: { id?: number; name: string; timezone: string; layers: Layer[]; owners: string[]; removeOverrideIds: number[]; addOverrides: Override[] }[];
  policies: { create: boolean; name: string; levels: EscalationLevel[]; repeat: number }[];
  services: { create: boolean; name: string; escalationPolicy: string; slo: ServiceSlo | null }[];
  integrations: Integration[];
  deletes: { schedules: string[]; policies: string[]; services: string[]; integrations: string[] };
  access: Access | null;
  /** The working hours to write, when the file gives them and they differ. */
  workingHours?: WorkingHours | null;
}

export async function writeRota(tx: Tx, w: RotaWrite, now: Date): Promise<void> {
  wakeAfterCommit(tx, "access"); // admins, owners and integrations may have changed
  for (const s of w.schedules) {
    const layers = s.layers as unknown as Prisma.InputJsonValue;
    const owners = s.owners as Prisma.InputJsonValue;
    let id = s.id;
    if (id === undefined) id = (await tx.schedule.create({ data: { name: s.name, timezone: s.timezone, layers, owners, updatedAt: now }, select: { id: true } })).id;
    else await tx.schedule.update({ where: { id }, data: { timezone: s.timezone, layers, owners, updatedAt: now } });
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
