// Applying a rota file to the database, terraform style: `planRota` compares the file with what
// is stored and lists the changes; `applyRota` makes them in one transaction (under an advisory
// lock, so two applies never interleave) and returns the plan it carried out.
//
// - What the file defines is replaced by what it says: a schedule's zone and layers, its
//   overrides from the file (source "file"), a policy's levels and repeat, a service's policy.
// - Overrides made from Slack (source "slack") are never touched by an apply (unless --prune
//   deletes their whole schedule, which the plan says).
// - What is stored but not in the file is kept, or deleted with `prune`.
// - Comparison is on normalized JSON: applying the same file twice writes nothing the second
//   time, and updated_at only moves when something changed.
// - The plan says whose shifts move in the next 90 days (each person's time on call gained and
//   lost, overrides included); the apply tells each of them, once, by direct message, through the
//   outbox in the apply's own transaction.
import { randomUUID } from "node:crypto";
import type { Db } from "../db/client.ts";
import { enqueue } from "../db/outbox.ts";
import { advisoryLock, inTransaction, type DbClient } from "../db/tx.ts";
import { UserError } from "../errors.ts";
import type { Access, EscalationLevel, EscalationPolicy, Integration, NotifyTarget, Rota, Service, ServiceSlo, UserGroupSync, WorkingHours } from "./rota-file.ts";
import { segments, type Layer, type Override, type Schedule } from "./schedule.ts";
import { movesText, shiftMoves, type ShiftMoves } from "./shift-diff.ts";
import { overrideCountsBySource, overridesInWindow, readStoredRota, writeRota, type RotaWrite } from "./store.ts";

/** How far ahead a plan looks for shifts that move. */
export const SHIFT_MOVES_AHEAD_MS = 90 * 86_400_000;

/** Whose shifts on a schedule move, and how. */
export interface ScheduleShiftMoves {
  schedule: string;
  /** The zone the times are said in (the new one when it changes). */
  timezone: string;
  people: ShiftMoves[];
}

export type ChangeKind = "schedule" | "policy" | "service" | "access" | "usergroup" | "integration" | "settings";
/** create/update/delete write; unchanged and keep (stored, not in the file, no --prune) do not. */
export type ChangeAction = "create" | "update" | "unchanged" | "delete" | "keep";

export interface PlanChange {
  kind: ChangeKind;
  name: string;
  action: ChangeAction;
  /** What changes, e.g. "timezone America/New_York → Europe/London", "levels changed". */
  details: string[];
  /** Overrides from the file added (+) and removed (-), one line each. */
  overrides?: { added: Override[]; removed: Override[] };
}

export interface Plan {
  prune: boolean;
  changes: PlanChange[];
  counts: Record<ChangeAction, number>;
  /** True when applying would write something. */
  hasChanges: boolean;
  /** Whose shifts move in the next 90 days, by schedule (schedules where nobody's do are left out). */
  shiftMoves: ScheduleShiftMoves[];
}

export interface PlanOptions {
  /** Delete schedules, policies and services that are stored but not in the file. */
  prune?: boolean;
  /** Where the 90 days of shift moves start (default: now). */
  now?: Date;
}

export interface ApplyOptions extends PlanOptions {
  /** The time written to updated_at and created_at, and where the shift moves start (default: now). */
  now?: Date;
}

// ---------------------------------------------------------------------------------------------
// Normalization
// ---------------------------------------------------------------------------------------------

/** JSON with object keys sorted, so that equal values give equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value instanceof Date) return value.toISOString();
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}

/** A layer as stored: every field explicit, restrictions left out when there are none. */
export function normalizeLayer(layer: Layer): Layer {
  const s = layer.rotation.start;
  const out: Layer = {
    name: layer.name,
    members: [...layer.members],
    rotation: {
      every: { amount: layer.rotation.every.amount, unit: layer.rotation.every.unit },
      start: { year: s.year, month: s.month, day: s.day, hour: s.hour, minute: s.minute, second: s.second ?? 0 },
    },
  };
  if (layer.restrictions && layer.restrictions.length > 0) {
    out.restrictions = layer.restrictions.map((r) => ({ days: [...r.days], from: r.from, to: r.to }));
  }
  return out;
}

function normalizeTarget(t: NotifyTarget): NotifyTarget {
  return t.kind === "schedule" ? { kind: "schedule", name: t.name } : { kind: "user", userId: t.userId };
}

export function normalizeLevels(levels: EscalationLevel[]): EscalationLevel[] {
  return levels.map((l) => ({ notify: l.notify.map(normalizeTarget), escalateAfterSeconds: l.escalateAfterSeconds }));
}

const overrideKey = (o: Override) => `${o.user}|${o.start.getTime()}|${o.end.getTime()}`;

// ---------------------------------------------------------------------------------------------
// Diff
// ---------------------------------------------------------------------------------------------

interface ScheduleWork {
  change: PlanChange;
  schedule: Schedule;
  layers: Layer[];
  owners: string[];
  channel: string | null;
  id?: number;
  writeRow: boolean;
  removeOverrideIds: number[];
  addOverrides: Override[];
}

interface Work {
  plan: Plan;
  /** The access section to write, when the file has one and it differs. */
  access: Access | null;
  /** The working hours to write, when the file gives them and they differ. */
  workingHours: WorkingHours | null;
  schedules: ScheduleWork[];
  policies: Array<{ change: PlanChange; policy: EscalationPolicy; levels: EscalationLevel[] }>;
  services: Array<{ change: PlanChange; service: Service }>;
  userGroups: UserGroupSync[];
  integrations: Integration[];
  deletes: { schedules: string[]; policies: string[]; services: string[]; userGroups: string[]; integrations: string[] };
}

/** Problems a hand-built Rota may have that parseRotaFile would have reported. */
function checkRota(rota: Rota): void {
  const problems: string[] = [];
  const dupes = (what: string, names: string[]) => {
    const seen = new Set<string>();
    for (const n of names) {
      if (seen.has(n)) problems.push(`${what} "${n}" is defined twice`);
      seen.add(n);
    }
    return seen;
  };
  const schedules = dupes("schedule", rota.schedules.map((s) => s.name));
  const policies = dupes("escalation policy", rota.escalationPolicies.map((p) => p.name));
  const services = dupes("service", rota.services.map((s) => s.name));
  dupes("integration", rota.integrations.map((i) => i.name));
  for (const i of rota.integrations) if (!services.has(i.service)) problems.push(`integration "${i.name}": service "${i.service}" is not defined`);
  for (const p of rota.escalationPolicies) {
    for (const l of p.levels) {
      for (const t of l.notify) {
        if (t.kind === "schedule" && !schedules.has(t.name)) problems.push(`escalation policy "${p.name}": schedule "${t.name}" is not defined`);
      }
    }
  }
  for (const s of rota.services) {
    if (!policies.has(s.escalationPolicy)) problems.push(`service "${s.name}": escalation policy "${s.escalationPolicy}" is not defined`);
  }
  if (problems.length > 0) throw new UserError("invalid_input", `The rota is not valid:\n${problems.join("\n")}`);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function describeLayerChanges(before: Layer[], after: Layer[]): string[] {
  const bNames = before.map((l) => l.name);
  const aNames = after.map((l) => l.name);
  if (new Set(bNames).size !== bNames.length || new Set(aNames).size !== aNames.length) return ["layers changed"];
  const out: string[] = [];
  after.forEach((layer, i) => {
    const j = bNames.indexOf(layer.name);
    if (j < 0) {
      out.push(`layer "${layer.name}" added`);
      return;
    }
    const old = before[j];
    const fields: string[] = [];
    if (canonicalJson(old.members) !== canonicalJson(layer.members)) fields.push("members");
    if (canonicalJson(old.rotation) !== canonicalJson(layer.rotation)) fields.push("rotation");
    if (canonicalJson(old.restrictions ?? []) !== canonicalJson(layer.restrictions ?? [])) fields.push("restrictions");
    if (fields.length > 0) out.push(`layer "${layer.name}": ${fields.join(", ")} changed`);
    if (i !== j && bNames.filter((n) => aNames.includes(n)).indexOf(layer.name) !== aNames.filter((n) => bNames.includes(n)).indexOf(layer.name)) {
      out.push(`layer "${layer.name}" moved to position ${i + 1}`);
    }
  });
  for (const name of bNames) if (!aNames.includes(name)) out.push(`layer "${name}" removed`);
  return out.length > 0 ? out : ["layers changed"];
}

function makePlan(changes: PlanChange[], prune: boolean, moves: ScheduleShiftMoves[]): Plan {
  const counts: Record<ChangeAction, number> = { create: 0, update: 0, unchanged: 0, delete: 0, keep: 0 };
  for (const c of changes) counts[c.action]++;
  return { prune, changes, counts, hasChanges: counts.create + counts.update + counts.delete > 0, shiftMoves: moves };
}

/**
 * Whose shifts move in [now, now + 90 days): each stored schedule the apply changes or deletes, as
 * stored (with every override) against as it will be (the file's layers and overrides, and the
 * overrides made from Slack, which an apply keeps). A schedule applied for the first time moves
 * nobody's shifts: there were none to move.
 */
async function movesOf(db: DbClient, work: Omit<Work, "plan" | "access" | "workingHours">, stored: { id: number; name: string; timezone: string; layers: Layer[] }[], now: Date): Promise<ScheduleShiftMoves[]> {
  const window = { from: now, to: new Date(now.getTime() + SHIFT_MOVES_AHEAD_MS) };
  const written = work.schedules.filter((s) => s.writeRow && s.id !== undefined);
  const deleted = stored.filter((r) => work.deletes.schedules.includes(r.name));
  const ids = [...written.map((s) => s.id!), ...deleted.map((r) => r.id)];
  const overrides = await overridesInWindow(db, ids, window);
  const storedById = new Map(stored.map((r) => [r.id, r]));
  // A stored schedule that no longer computes (malformed layers) counts as having nobody on call.
  const segs = (s: Schedule | null) => {
    try {
      return s ? segments(s, window.from, window.to) : [];
    } catch {
      return [];
    }
  };
  const before = (id: number | undefined): Schedule | null => {
    const row = id === undefined ? undefined : storedById.get(id);
    return row ? { name: row.name, timezone: row.timezone, layers: row.layers, overrides: overrides.filter((o) => o.scheduleId === id).map((o) => o.override) } : null;
  };
  const out: ScheduleShiftMoves[] = [];
  for (const s of written) {
    const slack = overrides.filter((o) => o.scheduleId === s.id && o.source === "slack").map((o) => o.override);
    const after: Schedule = { name: s.schedule.name, timezone: s.schedule.timezone, layers: s.layers, overrides: [...s.schedule.overrides, ...slack] };
    const people = shiftMoves(segs(before(s.id)), segs(after));
    if (people.length > 0) out.push({ schedule: s.schedule.name, timezone: s.schedule.timezone, people });
  }
  for (const r of deleted) {
    const people = shiftMoves(segs(before(r.id)), []);
    if (people.length > 0) out.push({ schedule: r.name, timezone: r.timezone, people });
  }
  return out;
}

async function diff(db: DbClient, rota: Rota, prune: boolean, now: Date): Promise<Work> {
  checkRota(rota);
  const {
    schedules: scheduleRows,
    policies: policyRows,
    services: serviceRows,
    integrations: integrationRows,
    fileOverrides: fileOverrideRows,
    access: storedAccess,
    workingHours: storedHours,
    userGroups: groupRows,
  } = await readStoredRota(
    db,
    rota.schedules.map((s) => s.name),
  );

  const changes: PlanChange[] = [];
  const work: Omit<Work, "plan" | "access" | "workingHours"> = {
    schedules: [],
    policies: [],
    services: [],
    userGroups: [],
    integrations: [],
    deletes: { schedules: [], policies: [], services: [], userGroups: [], integrations: [] },
  };

  // Schedules
  const scheduleByName = new Map(scheduleRows.map((r) => [r.name, r]));
  for (const schedule of rota.schedules) {
    const layers = schedule.layers.map(normalizeLayer);
    const row = scheduleByName.get(schedule.name);
    if (!row) {
      const change: PlanChange = {
        kind: "schedule",
        name: schedule.name,
        action: "create",
        details: [`${schedule.timezone}, ${plural(layers.length, "layer")}, ${plural(schedule.overrides.length, "override")}`],
        overrides: { added: [...schedule.overrides], removed: [] },
      };
      changes.push(change);
      work.schedules.push({ change, schedule, layers, owners: rota.owners[schedule.name] ?? [], channel: rota.channels?.[schedule.name] ?? null, writeRow: true, removeOverrideIds: [], addOverrides: [...schedule.overrides] });
      continue;
    }
    const details: string[] = [];
    if (row.timezone !== schedule.timezone) details.push(`timezone ${row.timezone} → ${schedule.timezone}`);
    const storedLayers = row.layers.map((l) => {
      try {
        return normalizeLayer(l);
      } catch {
        return l; // malformed stored JSON: it differs, and is replaced
      }
    });
    const layersChanged = canonicalJson(storedLayers) !== canonicalJson(layers);
    if (layersChanged) details.push(...describeLayerChanges(storedLayers, layers));
    // File overrides: a multiset difference, so unchanged ones keep their rows.
    const stored = fileOverrideRows.filter((o) => o.scheduleId === row.id);
    const pending = new Map<string, Override[]>();
    for (const o of schedule.overrides) {
      const k = overrideKey(o);
      pending.set(k, [...(pending.get(k) ?? []), o]);
    }
    const removeIds: number[] = [];
    const removed: Override[] = [];
    for (const o of stored) {
      const asOverride = { user: o.userId, start: o.startAt, end: o.endAt };
      const list = pending.get(overrideKey(asOverride));
      if (list && list.length > 0) list.shift();
      else {
        removeIds.push(o.id);
        removed.push(asOverride);
      }
    }
    const added = schedule.overrides.filter((o) => {
      const list = pending.get(overrideKey(o));
      if (list && list[0] === o) {
        list.shift();
        return true;
      }
      return false;
    });
    if (added.length > 0 || removed.length > 0) {
      const parts = [];
      if (added.length > 0) parts.push(`+${added.length}`);
      if (removed.length > 0) parts.push(`-${removed.length}`);
      details.push(`file overrides ${parts.join(" ")}`);
    }
    const owners = rota.owners[schedule.name] ?? [];
    const ownersChanged = canonicalJson([...row.owners].sort()) !== canonicalJson([...owners].sort());
    if (ownersChanged) details.push(`owners ${row.owners.join(", ") || "none"} → ${owners.join(", ") || "none"}`);
    const channel = rota.channels?.[schedule.name] ?? null;
    const channelChanged = row.channel !== channel;
    if (channelChanged) details.push(`channel ${row.channel ?? "none"} → ${channel ?? "none"}`);
    const writeRow = row.timezone !== schedule.timezone || layersChanged || ownersChanged || channelChanged || added.length > 0 || removed.length > 0;
    const change: PlanChange = {
      kind: "schedule",
      name: schedule.name,
      action: writeRow ? "update" : "unchanged",
      details,
      ...(added.length > 0 || removed.length > 0 ? { overrides: { added, removed } } : {}),
    };
    changes.push(change);
    work.schedules.push({ change, schedule, layers, owners, channel, id: row.id, writeRow, removeOverrideIds: removeIds, addOverrides: added });
  }
  const fileSchedules = new Set(rota.schedules.map((s) => s.name));
  const extraSchedules = scheduleRows.filter((r) => !fileSchedules.has(r.name));
  if (extraSchedules.length > 0) {
    const counts = await overrideCountsBySource(db, extraSchedules.map((r) => r.id));
    for (const r of extraSchedules) {
      const mine = counts.filter((c) => c.scheduleId === r.id);
      const total = mine.reduce((n, c) => n + c.count, 0);
      const slack = mine.filter((c) => c.source === "slack").reduce((n, c) => n + c.count, 0);
      const details = ["not in the file"];
      if (prune && total > 0) details.push(`deleted with its ${plural(total, "override")}${slack > 0 ? ` (${slack} made from Slack)` : ""}`);
      if (!prune) details.push("kept (--prune deletes it)");
      changes.push({ kind: "schedule", name: r.name, action: prune ? "delete" : "keep", details });
      if (prune) work.deletes.schedules.push(r.name);
    }
  }

  // Escalation policies
  const policyByName = new Map(policyRows.map((r) => [r.name, r]));
  for (const policy of rota.escalationPolicies) {
    const levels = normalizeLevels(policy.levels);
    const row = policyByName.get(policy.name);
    let change: PlanChange;
    if (!row) {
      change = { kind: "policy", name: policy.name, action: "create", details: [`${plural(levels.length, "level")}, repeat ${policy.repeat}`] };
    } else {
      const details: string[] = [];
      let storedLevels: unknown = row.levels;
      try {
        storedLevels = normalizeLevels(row.levels);
      } catch {
        /* malformed: differs */
      }
      if (canonicalJson(storedLevels) !== canonicalJson(levels)) details.push("levels changed");
      if (row.repeat !== policy.repeat) details.push(`repeat ${row.repeat} → ${policy.repeat}`);
      change = { kind: "policy", name: policy.name, action: details.length > 0 ? "update" : "unchanged", details };
    }
    changes.push(change);
    work.policies.push({ change, policy, levels });
  }
  const filePolicies = new Set(rota.escalationPolicies.map((p) => p.name));
  for (const r of policyRows.filter((r) => !filePolicies.has(r.name))) {
    changes.push({ kind: "policy", name: r.name, action: prune ? "delete" : "keep", details: prune ? ["not in the file"] : ["not in the file", "kept (--prune deletes it)"] });
    if (prune) work.deletes.policies.push(r.name);
  }

  // Services
  const serviceByName = new Map(serviceRows.map((r) => [r.name, r]));
  for (const service of rota.services) {
    const row = serviceByName.get(service.name);
    let change: PlanChange;
    const sloText = (slo: ServiceSlo | null | undefined) => (slo ? `SLO ${slo.objective} % over ${slo.windowSeconds / 86_400}d from ${slo.countsFrom}` : "no SLO");
    const sloChanged = JSON.stringify(row?.slo ?? null) !== JSON.stringify(service.slo ?? null);
    if (!row) {
      change = { kind: "service", name: service.name, action: "create", details: [`escalation policy ${service.escalationPolicy}`, ...(service.slo ? [sloText(service.slo)] : [])] };
    } else if (row.escalationPolicy !== service.escalationPolicy || sloChanged) {
      const details = [
        ...(row.escalationPolicy !== service.escalationPolicy ? [`escalation policy ${row.escalationPolicy} → ${service.escalationPolicy}`] : []),
        ...(sloChanged ? [`${sloText(row.slo)} → ${sloText(service.slo)}`] : []),
      ];
      change = { kind: "service", name: service.name, action: "update", details };
    } else {
      change = { kind: "service", name: service.name, action: "unchanged", details: [] };
    }
    changes.push(change);
    work.services.push({ change, service });
  }
  const fileServices = new Set(rota.services.map((s) => s.name));
  for (const r of serviceRows.filter((r) => !fileServices.has(r.name))) {
    changes.push({ kind: "service", name: r.name, action: prune ? "delete" : "keep", details: prune ? ["not in the file"] : ["not in the file", "kept (--prune deletes it)"] });
    if (prune) work.deletes.services.push(r.name);
  }

  // User groups that follow the rota, by group id.
  const groupById = new Map(groupRows.map((g) => [g.groupId, g]));
  const describeGroup = (g: UserGroupSync) => `${g.groupId} follows ${g.schedules.join(", ")}; when nobody is on call: ${g.whenEmpty === "keep" ? "keep its members" : g.whenEmpty}`;
  for (const group of rota.userGroups) {
    const row = groupById.get(group.groupId);
    const action: ChangeAction = !row ? "create" : canonicalJson(row) !== canonicalJson(group) ? "update" : "unchanged";
    changes.push({ kind: "usergroup", name: group.name, action, details: action === "unchanged" ? [] : [describeGroup(group)] });
    if (action !== "unchanged") work.userGroups.push(group);
  }
  const fileGroups = new Set(rota.userGroups.map((g) => g.groupId));
  for (const r of groupRows.filter((g) => !fileGroups.has(g.groupId))) {
    changes.push({ kind: "usergroup", name: r.name, action: prune ? "delete" : "keep", details: prune ? [`${r.groupId} not in the file (its members are left as they are)`] : [`${r.groupId} not in the file`, "kept (--prune stops following the rota)"] });
    if (prune) work.deletes.userGroups.push(r.groupId);
  }

  // Integrations (their tokens are not the rota's: applying never changes one).
  const integrationByName = new Map(integrationRows.map((r) => [r.name, r]));
  for (const integration of rota.integrations) {
    const row = integrationByName.get(integration.name);
    const what = `${integration.kind} → service ${integration.service}`;
    let change: PlanChange;
    if (!row) change = { kind: "integration", name: integration.name, action: "create", details: [what] };
    else if (canonicalJson(row) !== canonicalJson(integration)) change = { kind: "integration", name: integration.name, action: "update", details: [what] };
    else change = { kind: "integration", name: integration.name, action: "unchanged", details: [] };
    changes.push(change);
    if (change.action !== "unchanged") work.integrations.push(integration);
  }
  const fileIntegrations = new Set(rota.integrations.map((i) => i.name));
  for (const r of integrationRows.filter((r) => !fileIntegrations.has(r.name))) {
    changes.push({ kind: "integration", name: r.name, action: prune ? "delete" : "keep", details: prune ? ["not in the file"] : ["not in the file", "kept (--prune deletes it)"] });
    if (prune) work.deletes.integrations.push(r.name);
  }

  // Access: replaced by the file's section when it has one; kept otherwise.
  let access: Access | null = null;
  if (rota.access) {
    const stored = storedAccess;
    const details: string[] = [];
    const before = stored?.admins ?? [];
    const added = rota.access.admins.filter((a) => !before.includes(a));
    const removed = before.filter((a) => !rota.access!.admins.includes(a));
    if (added.length > 0 || removed.length > 0) details.push(`admins ${[...added.map((a) => `+${a}`), ...removed.map((a) => `-${a}`)].join(" ")}`);
    if (stored && stored.maxOverrideSeconds !== rota.access.maxOverrideSeconds) details.push(`max override ${stored.maxOverrideSeconds}s → ${rota.access.maxOverrideSeconds}s`);
    const action: ChangeAction = !stored ? "create" : details.length > 0 ? "update" : "unchanged";
    if (!stored) details.push(`${plural(rota.access.admins.length, "admin")}, overrides of at most ${rota.access.maxOverrideSeconds}s`);
    changes.push({ kind: "access", name: "access", action, details });
    if (action !== "unchanged") access = rota.access;
  }

  // Working hours: replaced by the file's when it gives them; kept otherwise.
  let workingHours: WorkingHours | null = null;
  if (rota.workingHours) {
    const text = (w: WorkingHours) => `${w.days.join(",")} ${w.from}–${w.to}`;
    const same = storedHours !== null && text(storedHours) === text(rota.workingHours);
    const action: ChangeAction = !storedHours ? "create" : same ? "unchanged" : "update";
    changes.push({ kind: "settings", name: "working_hours", action, details: [storedHours && !same ? `${text(storedHours)} → ${text(rota.workingHours)}` : text(rota.workingHours)] });
    if (action !== "unchanged") workingHours = rota.workingHours;
  }

  return { ...work, access, workingHours, plan: makePlan(changes, prune, await movesOf(db, work, scheduleRows, now)) };
}

// ---------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------

/** What applying the rota would change (reads the database, writes nothing). */
export async function planRota(db: DbClient, rota: Rota, opts: PlanOptions = {}): Promise<Plan> {
  return (await diff(db, rota, opts.prune === true, opts.now ?? new Date())).plan;
}

/** What a plan writes, for the store. */
function writes(work: Work): RotaWrite {
  return {
    schedules: work.schedules
      .filter((s) => s.writeRow)
      .map((s) => ({ id: s.id, name: s.schedule.name, timezone: s.schedule.timezone, layers: s.layers, owners: s.owners, channel: s.channel, removeOverrideIds: s.removeOverrideIds, addOverrides: s.addOverrides })),
    policies: work.policies
      .filter((p) => p.change.action === "create" || p.change.action === "update")
      .map((p) => ({ create: p.change.action === "create", name: p.policy.name, levels: p.levels, repeat: p.policy.repeat })),
    services: work.services
      .filter((s) => s.change.action === "create" || s.change.action === "update")
      .map((s) => ({ create: s.change.action === "create", name: s.service.name, escalationPolicy: s.service.escalationPolicy, slo: s.service.slo ?? null })),
    integrations: work.integrations,
    deletes: work.deletes,
    access: work.access,
    userGroups: work.userGroups,
    workingHours: work.workingHours,
  };
}

/**
 * Applies the rota in one transaction and returns what it changed. Two applies never interleave
 * (a transaction-level advisory lock); the plan is made after taking the lock, so it is exact.
 */
export async function applyRota(db: Db, rota: Rota, opts: ApplyOptions = {}): Promise<Plan> {
  const now = opts.now ?? new Date();
  checkRota(rota);
  return inTransaction(
    db,
    async (tx) => {
      await advisoryLock(tx, "rotaApply");
      const work = await diff(tx, rota, opts.prune === true, now);
      if (work.plan.hasChanges) await writeRota(tx, writes(work), now);
      await enqueue(tx, shiftMoveMessages(work.plan.shiftMoves, randomUUID()), now);
      return work.plan;
    },
    { maxWaitMs: 30_000, timeoutMs: 120_000 },
  );
}

/** One direct message per person whose shifts move, with every schedule's moves in it. */
export function shiftMoveMessages(moves: ScheduleShiftMoves[], applyId: string): { key: string; kind: string; payload: { channel: string; text: string } }[] {
  const byPerson = new Map<string, string[]>();
  for (const m of moves) {
    for (const p of m.people) byPerson.set(p.userId, [...(byPerson.get(p.userId) ?? []), `• *${m.schedule}* (${m.timezone}): ${movesText(p, m.timezone, "you")}`]);
  }
  return [...byPerson].map(([userId, lines]) => ({
    key: `rota-apply:${applyId}:${userId}`,
    kind: "slack.post",
    payload: { channel: userId, text: `:calendar: The rota was changed, and your on-call shifts in the next 90 days move:\n${lines.join("\n")}` },
  }));
}

// ---------------------------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------------------------

const SYMBOL: Record<ChangeAction, string> = { create: "+", update: "~", delete: "-", keep: "!", unchanged: "=" };

function formatOverride(o: Override): string {
  return `override ${o.user} ${o.start.toISOString()} → ${o.end.toISOString()}`;
}

/**
 * The plan as text, like a terraform plan:
 *   + schedule platform-primary: America/New_York, 2 layers, 1 override
 *   ~ policy platform: levels changed
 *   Plan: 1 to create, 1 to update, 0 to delete.
 * or "No changes." when applying would write nothing. Unchanged entries are not listed. With
 * `applied`, the last line says what was done ("Applied: 1 created, 1 updated, 0 deleted.").
 */
export function formatPlan(plan: Plan, opts: { applied?: boolean } = {}): string {
  const lines: string[] = [];
  for (const c of plan.changes) {
    if (c.action === "unchanged") continue;
    lines.push(`${SYMBOL[c.action]} ${c.kind} ${c.name}${c.details.length > 0 ? `: ${c.details.join("; ")}` : ""}`);
    if (c.overrides) {
      for (const o of c.overrides.added) lines.push(`    + ${formatOverride(o)}`);
      for (const o of c.overrides.removed) lines.push(`    - ${formatOverride(o)}`);
    }
  }
  if (plan.shiftMoves.length > 0) {
    if (lines.length > 0) lines.push("");
    lines.push(`Shifts that move in the next 90 days${opts.applied ? " (each person is told by direct message)" : ""}:`);
    for (const m of plan.shiftMoves) {
      lines.push(`  ${m.schedule} (${m.timezone}):`);
      for (const p of m.people) lines.push(`    ${p.userId} ${movesText(p, m.timezone)}`);
    }
  }
  if (lines.length > 0) lines.push("");
  const { create, update, unchanged } = plan.counts;
  if (!plan.hasChanges) {
    lines.push(unchanged > 0 ? `No changes. (${plural(unchanged, "definition")} up to date.)` : "No changes.");
  } else if (opts.applied) {
    lines.push(`Applied: ${create} created, ${update} updated, ${plan.counts.delete} deleted.`);
  } else {
    lines.push(`Plan: ${create} to create, ${update} to update, ${plan.counts.delete} to delete.`);
  }
  return lines.join("\n");
}
