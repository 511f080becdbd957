// On-call data in PostgreSQL: schedules (with their overrides), escalation policies, services.
// Every function takes a Prisma client or a transaction client, so callers choose the
// transaction. Rows are turned into the pure types of schedule.ts and rota-file.ts.
import type { Db, Prisma } from "../db/client.ts";
import { isSlackUserId, type EscalationLevel, type EscalationPolicy, type Service } from "./rota-file.ts";
import type { Layer, Override, Schedule } from "./schedule.ts";

export type Tx = Prisma.TransactionClient;
/** A Prisma client or a transaction client. */
export type DbClient = Db | Tx;

/** A refusal with a message meant for the person who asked (nothing was written). */
export class OnCallError extends Error {
  override name = "OnCallError";
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

function levelsFromJson(value: Prisma.JsonValue): EscalationLevel[] {
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
export async function loadSchedules(db: DbClient, names: string[], window: TimeWindow): Promise<Map<string, Schedule>> {
  const out = new Map<string, Schedule>();
  if (names.length === 0) return out;
  const rows = await db.schedule.findMany({ where: { name: { in: names } } });
  if (rows.length === 0) return out;
  const overrides = await db.scheduleOverride.findMany({
    where: { scheduleId: { in: rows.map((r) => r.id) }, endAt: { gt: window.from }, startAt: { lt: window.to } },
    select: { scheduleId: true, userId: true, startAt: true, endAt: true },
    orderBy: [{ startAt: "asc" }, { id: "asc" }],
  });
  for (const row of rows) {
    out.set(row.name, {
      name: row.name,
      timezone: row.timezone,
      layers: layersFromJson(row.layers),
      overrides: overrides.filter((o) => o.scheduleId === row.id).map((o) => ({ user: o.userId, start: o.startAt, end: o.endAt })),
    });
  }
  return out;
}

/** Every schedule (without overrides), by name. */
export async function listSchedules(db: DbClient): Promise<ScheduleSummary[]> {
  const rows = await db.schedule.findMany({ orderBy: { name: "asc" } });
  return rows.map((r) => ({ id: r.id, name: r.name, timezone: r.timezone, layers: layersFromJson(r.layers), updatedAt: r.updatedAt }));
}

export async function loadPolicy(db: DbClient, name: string): Promise<EscalationPolicy | null> {
  const row = await db.escalationPolicy.findUnique({ where: { name } });
  return row ? { name: row.name, levels: levelsFromJson(row.levels), repeat: row.repeat } : null;
}

export async function loadService(db: DbClient, name: string): Promise<Service | null> {
  const row = await db.service.findUnique({ where: { name } });
  return row ? { name: row.name, escalationPolicy: row.escalationPolicy } : null;
}

async function scheduleIdOrRefuse(db: DbClient, name: string): Promise<number> {
  const row = await db.schedule.findUnique({ where: { name }, select: { id: true } });
  if (row) return row.id;
  const names = (await db.schedule.findMany({ select: { name: true }, orderBy: { name: "asc" } })).map((s) => s.name);
  throw new OnCallError(
    names.length > 0
      ? `There is no schedule "${name}". Schedules: ${names.join(", ")}.`
      : `There is no schedule "${name}" (no schedules yet: apply a rota file with \`incident-bot rota apply <file>\`).`,
  );
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
  if (!validDate(start) || !validDate(end)) throw new OnCallError("The override needs a valid start and end.");
  if (end.getTime() <= start.getTime()) {
    throw new OnCallError(`The override must end after it starts (it starts ${start.toISOString()} and ends ${end.toISOString()}).`);
  }
  if (!isSlackUserId(userId)) throw new OnCallError(`"${userId}" is not a Slack user id (like U0123ABCD).`);
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
  const row = Number.isSafeInteger(id) ? await tx.scheduleOverride.findUnique({ where: { id }, select: RECORD_SELECT }) : null;
  if (!row) throw new OnCallError(`There is no override ${id}.`);
  if (row.source === "file") {
    throw new OnCallError(`Override ${id} comes from the rota file; change the file and apply it to remove it.`);
  }
  await tx.scheduleOverride.delete({ where: { id } });
  return toRecord(row);
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
