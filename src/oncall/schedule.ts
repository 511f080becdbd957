/**
 * Who is on call: the pure schedule computation (TIME.md rules 1-8). No I/O.
 *
 * - A layer's shift boundaries are `anchor + k × length` in local wall-clock time (naive date-time
 *   arithmetic), each turned into an instant by zoned.ts (gap -> the instant the clocks jump,
 *   repeated time -> its first occurrence). Shift k goes to member k mod n; a shift whose start and
 *   end are the same instant is empty and skipped; before the anchor nobody is on call.
 * - Restrictions mask a layer; they never move its rotation. A restriction window
 *   {days, from, to} that starts on local date D covers the instants
 *   [instant(D from), instant(D to)) — or up to `to` on the next day when to <= from — converted
 *   by the same rules as shift boundaries. Evaluating them as intervals of instants, rather than
 *   by reading the wall clock, keeps a window that crosses a repeated hour from switching off and
 *   on again. An empty or absent restriction list means "always".
 * - Overrides beat every layer (all users of overlapping overrides are on call, ordered by the
 *   override's start, then by list order); a later layer beats an earlier one wherever it has
 *   someone on call; otherwise nobody is on call ([]).
 *
 * Speed: a schedule is compiled once (overrides sorted into elementary intervals, so a lookup is a
 * binary search) and the compiled form is cached per schedule object; the cache is checked
 * against the schedule's current contents on every call, so mutating a schedule is safe.
 * The shift index for an instant is estimated from the wall-clock elapsed time since the anchor
 * (exact in naive local time) and corrected by at most a step or two around a DST change.
 */
import {
  type LocalDateTime,
  type Weekday,
  WEEKDAYS,
  MS_PER_DAY,
  MS_PER_HOUR,
  MS_PER_MINUTE,
  MS_PER_WEEK,
  isValidLocalDateTime,
  isValidZone,
  localToNaive,
  naiveToInstant,
  instantToNaive,
} from "./zoned.ts";

export type { LocalDateTime, Weekday } from "./zoned.ts";

export type DurationUnit = "h" | "d" | "w";

export interface Duration {
  amount: number;
  unit: DurationUnit;
}

/** A window in the schedule's zone, e.g. Mon–Fri 09:00–17:00. `to <= from` runs past midnight. */
export interface Restriction {
  days: Weekday[];
  from: string; // "HH:MM"
  to: string; // "HH:MM"
}

export interface Layer {
  name: string;
  members: string[];
  rotation: { every: Duration; start: LocalDateTime };
  restrictions?: Restriction[];
}

/** [start, end) */
export interface Override {
  user: string;
  start: Date;
  end: Date;
}

export interface Schedule {
  name: string;
  timezone: string;
  layers: Layer[];
  overrides: Override[];
}

export interface Segment {
  start: Date;
  end: Date;
  onCall: string[];
}

export interface Handoff {
  at: Date;
  onCall: string[];
}

/** One shift of one layer, [start, end) as epoch ms. */
export interface Shift {
  layer: string;
  index: number;
  member: string;
  start: Date;
  end: Date;
}

const UNIT_MS: Record<DurationUnit, number> = { h: MS_PER_HOUR, d: MS_PER_DAY, w: MS_PER_WEEK };

/** Nominal length of a rotation in ms (exact in wall-clock terms). */
export function durationMs(d: Duration): number {
  return d.amount * UNIT_MS[d.unit];
}

const HHMM_RE = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** "HH:MM" -> minutes after midnight, or null. */
export function parseHHMM(text: string): number | null {
  const m = typeof text === "string" ? HHMM_RE.exec(text) : null;
  return m ? Number(m[1]) * 60 + Number(m[2]) : null;
}

// ---------------------------------------------------------------------------------------------
// Compilation
// ---------------------------------------------------------------------------------------------

interface CompiledRestriction {
  dayMask: number; // bit i = WEEKDAYS[i] (0 = mon)
  fromMs: number; // ms after local midnight
  lengthMs: number; // wall-clock length, (0, 24h]
}

interface CompiledLayer {
  name: string;
  members: string[];
  stepMs: number; // wall-clock length of a shift
  anchorNaive: number;
  anchorMs: number; // instant of boundary 0
  restrictions: CompiledRestriction[]; // empty = always active
}

interface CompiledSchedule {
  zone: string;
  layers: CompiledLayer[];
  // Overrides as elementary intervals: sets[i] holds on [points[i], points[i+1]);
  // nothing before points[0] or from the last point on (its set is []).
  points: number[];
  sets: string[][];
  lastOverrideEnd: number;
  // For cache validation.
  key: string;
  overridesRef: Override[];
  overrideSnapshot: Array<[Override, string, number, number]>;
}

function layerKey(s: Schedule): string {
  return JSON.stringify([s.timezone, s.layers]);
}

function compileLayer(layer: Layer, zone: string, where: string): CompiledLayer {
  const { every, start } = layer.rotation ?? ({} as Layer["rotation"]);
  if (!every || !Number.isInteger(every.amount) || every.amount <= 0 || !(every.unit in UNIT_MS)) {
    throw new RangeError(`${where}: rotation length must be a positive whole number of h, d or w`);
  }
  if (!start || !isValidLocalDateTime(start)) {
    throw new RangeError(`${where}: rotation start must be a valid local date-time`);
  }
  if (!Array.isArray(layer.members)) throw new RangeError(`${where}: members must be a list`);
  const anchorNaive = localToNaive(start);
  const restrictions: CompiledRestriction[] = [];
  for (const [i, r] of (layer.restrictions ?? []).entries()) {
    const from = parseHHMM(r.from);
    const to = parseHHMM(r.to);
    if (from === null || to === null) {
      throw new RangeError(`${where}.restrictions[${i}]: from/to must be HH:MM`);
    }
    let dayMask = 0;
    for (const d of r.days) {
      const idx = WEEKDAYS.indexOf(d);
      if (idx < 0) throw new RangeError(`${where}.restrictions[${i}]: unknown weekday "${d}"`);
      dayMask |= 1 << idx;
    }
    const lengthMin = to > from ? to - from : to + 24 * 60 - from;
    restrictions.push({ dayMask, fromMs: from * MS_PER_MINUTE, lengthMs: lengthMin * MS_PER_MINUTE });
  }
  return {
    name: layer.name,
    members: [...layer.members],
    stepMs: durationMs(every),
    anchorNaive,
    anchorMs: naiveToInstant(anchorNaive, zone),
    restrictions,
  };
}

function compileOverrides(overrides: Override[]): Pick<CompiledSchedule, "points" | "sets" | "lastOverrideEnd"> {
  const items = overrides
    .map((o, index) => ({ user: o.user, start: o.start.getTime(), end: o.end.getTime(), index }))
    .filter((o) => Number.isFinite(o.start) && Number.isFinite(o.end) && o.end > o.start)
    .sort((a, b) => a.start - b.start || a.index - b.index);
  const pointSet = new Set<number>();
  for (const o of items) {
    pointSet.add(o.start);
    pointSet.add(o.end);
  }
  const allPoints = [...pointSet].sort((a, b) => a - b);
  const points: number[] = [];
  const sets: string[][] = [];
  let active: typeof items = [];
  let next = 0;
  let prevKey: string | null = null;
  for (const p of allPoints) {
    if (active.length > 0) active = active.filter((o) => o.end > p);
    while (next < items.length && items[next].start === p) active.push(items[next++]);
    const users = [...new Set(active.map((o) => o.user))];
    const key = users.join("\u0000");
    if (key === prevKey) continue;
    prevKey = key;
    points.push(p);
    sets.push(users);
  }
  return { points, sets, lastOverrideEnd: allPoints.length ? allPoints[allPoints.length - 1] : -Infinity };
}

const cache = new WeakMap<Schedule, CompiledSchedule>();

function snapshotMatches(c: CompiledSchedule, s: Schedule): boolean {
  if (c.overridesRef !== s.overrides || c.overrideSnapshot.length !== s.overrides.length) return false;
  for (let i = 0; i < s.overrides.length; i++) {
    const o = s.overrides[i];
    const snap = c.overrideSnapshot[i];
    if (snap[0] !== o || snap[1] !== o.user || snap[2] !== o.start.getTime() || snap[3] !== o.end.getTime()) {
      return false;
    }
  }
  return c.key === layerKey(s);
}

/** Compile (or fetch the cached compilation of) a schedule. Throws RangeError on invalid input. */
function compile(schedule: Schedule): CompiledSchedule {
  const cached = cache.get(schedule);
  if (cached && snapshotMatches(cached, schedule)) return cached;
  const zone = schedule.timezone;
  if (!isValidZone(zone)) throw new RangeError(`unknown time zone "${zone}"`);
  const overrides = schedule.overrides ?? [];
  const layers = (schedule.layers ?? []).map((l, i) => compileLayer(l, zone, `layers[${i}]`));
  const compiled: CompiledSchedule = {
    zone,
    layers,
    ...compileOverrides(overrides),
    key: layerKey(schedule),
    overridesRef: overrides,
    overrideSnapshot: overrides.map((o) => [o, o.user, o.start.getTime(), o.end.getTime()]),
  };
  if (schedule.overrides) cache.set(schedule, compiled);
  return compiled;
}

// ---------------------------------------------------------------------------------------------
// Layers
// ---------------------------------------------------------------------------------------------

function boundary(layer: CompiledLayer, k: number, zone: string): number {
  return k === 0 ? layer.anchorMs : naiveToInstant(layer.anchorNaive + k * layer.stepMs, zone);
}

/** The shift index whose [start, end) contains `at`, or -1 before the anchor. */
function shiftIndexAt(layer: CompiledLayer, at: number, zone: string): number {
  if (at < layer.anchorMs) return -1;
  // Exact in naive local time, off by at most one or two around a DST change.
  let k = Math.max(0, Math.floor((instantToNaive(at, zone) - layer.anchorNaive) / layer.stepMs));
  while (k > 0 && boundary(layer, k, zone) > at) k--;
  while (boundary(layer, k + 1, zone) <= at) k++;
  return k;
}

function memberOf(layer: CompiledLayer, k: number): string {
  const n = layer.members.length;
  return layer.members[k % n];
}

/** Restriction window starting on the local day whose naive midnight is `dayNaive`, as instants. */
function windowOf(r: CompiledRestriction, dayNaive: number, zone: string): [number, number] {
  const startNaive = dayNaive + r.fromMs;
  return [naiveToInstant(startNaive, zone), naiveToInstant(startNaive + r.lengthMs, zone)];
}

function dayIndex(dayNaive: number): number {
  return (((Math.floor(dayNaive / MS_PER_DAY) + 3) % 7) + 7) % 7;
}

function restrictionActiveAt(layer: CompiledLayer, at: number, zone: string): boolean {
  if (layer.restrictions.length === 0) return true;
  const today = Math.floor(instantToNaive(at, zone) / MS_PER_DAY) * MS_PER_DAY;
  for (let d = -1; d <= 1; d++) {
    const dayNaive = today + d * MS_PER_DAY;
    const bit = 1 << dayIndex(dayNaive);
    for (const r of layer.restrictions) {
      if ((r.dayMask & bit) === 0) continue;
      const [s, e] = windowOf(r, dayNaive, zone);
      if (s <= at && at < e) return true;
    }
  }
  return false;
}

function layerOnCallAt(layer: CompiledLayer, at: number, zone: string): string | null {
  if (layer.members.length === 0) return null;
  const k = shiftIndexAt(layer, at, zone);
  if (k < 0) return null;
  if (!restrictionActiveAt(layer, at, zone)) return null;
  return memberOf(layer, k);
}

/** A piecewise-constant function of time on [from, to): values[i] holds on [times[i], times[i+1]). */
interface Timeline<T> {
  times: number[];
  values: T[];
}

function pushChange<T>(tl: Timeline<T>, t: number, v: T, eq: (a: T, b: T) => boolean): void {
  const n = tl.times.length;
  if (n > 0 && tl.times[n - 1] === t) {
    tl.values[n - 1] = v;
    if (n > 1 && eq(tl.values[n - 2], v)) {
      tl.times.pop();
      tl.values.pop();
    }
    return;
  }
  if (n > 0 && eq(tl.values[n - 1], v)) return;
  tl.times.push(t);
  tl.values.push(v);
}

/** The layer's rotation (ignoring restrictions) on [from, to). */
function shiftTimeline(layer: CompiledLayer, from: number, to: number, zone: string): Timeline<string | null> {
  const tl: Timeline<string | null> = { times: [], values: [] };
  const eq = (a: string | null, b: string | null) => a === b;
  if (layer.members.length === 0) {
    pushChange(tl, from, null, eq);
    return tl;
  }
  let k: number;
  if (from < layer.anchorMs) {
    pushChange(tl, from, null, eq);
    k = 0;
  } else {
    k = shiftIndexAt(layer, from, zone);
  }
  let start = boundary(layer, k, zone);
  while (start < to) {
    const end = boundary(layer, k + 1, zone);
    if (end > start) pushChange(tl, Math.max(start, from), memberOf(layer, k), eq);
    k++;
    start = end;
  }
  return tl;
}

/** Union of the layer's restriction windows on [from, to), as active/inactive. */
function restrictionTimeline(layer: CompiledLayer, from: number, to: number, zone: string): Timeline<boolean> {
  const tl: Timeline<boolean> = { times: [], values: [] };
  if (layer.restrictions.length === 0) {
    tl.times.push(from);
    tl.values.push(true);
    return tl;
  }
  const firstDay = Math.floor(instantToNaive(from, zone) / MS_PER_DAY) * MS_PER_DAY - MS_PER_DAY;
  const lastDay = Math.floor(instantToNaive(to, zone) / MS_PER_DAY) * MS_PER_DAY + MS_PER_DAY;
  const windows: Array<[number, number]> = [];
  for (let day = firstDay; day <= lastDay; day += MS_PER_DAY) {
    const bit = 1 << dayIndex(day);
    for (const r of layer.restrictions) {
      if ((r.dayMask & bit) === 0) continue;
      const [s, e] = windowOf(r, day, zone);
      if (e > s && e > from && s < to) windows.push([Math.max(s, from), Math.min(e, to)]);
    }
  }
  windows.sort((a, b) => a[0] - b[0]);
  const eq = (a: boolean, b: boolean) => a === b;
  pushChange(tl, from, false, eq);
  let curEnd = -Infinity;
  let curStart = -Infinity;
  const flush = () => {
    if (curEnd > curStart) {
      pushChange(tl, curStart, true, eq);
      if (curEnd < to) pushChange(tl, curEnd, false, eq);
    }
  };
  for (const [s, e] of windows) {
    if (s <= curEnd) {
      curEnd = Math.max(curEnd, e);
    } else {
      flush();
      curStart = s;
      curEnd = e;
    }
  }
  flush();
  return tl;
}

/** Combine timelines over [from, to) with a function of their current values. */
function combine<T>(
  from: number,
  timelines: Array<Timeline<unknown>>,
  fn: (values: unknown[]) => T,
  eq: (a: T, b: T) => boolean,
): Timeline<T> {
  const allTimes = new Set<number>([from]);
  for (const tl of timelines) for (const t of tl.times) allTimes.add(t);
  const times = [...allTimes].sort((a, b) => a - b);
  const idx = timelines.map(() => 0);
  const out: Timeline<T> = { times: [], values: [] };
  const current: unknown[] = timelines.map((tl) => tl.values[0]);
  for (const t of times) {
    for (let i = 0; i < timelines.length; i++) {
      const tl = timelines[i];
      while (idx[i] < tl.times.length && tl.times[idx[i]] <= t) {
        current[i] = tl.values[idx[i]];
        idx[i]++;
      }
    }
    pushChange(out, t, fn(current), eq);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Overrides
// ---------------------------------------------------------------------------------------------

/** Index of the last point <= at, or -1. */
function pointIndex(points: number[], at: number): number {
  let lo = 0;
  let hi = points.length - 1;
  let ans = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (points[mid] <= at) {
      ans = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return ans;
}

const NOBODY: string[] = [];

function overridesAt(c: CompiledSchedule, at: number): string[] {
  const i = pointIndex(c.points, at);
  return i < 0 ? NOBODY : c.sets[i];
}

function overrideTimeline(c: CompiledSchedule, from: number, to: number): Timeline<string[]> {
  const tl: Timeline<string[]> = { times: [from], values: [overridesAt(c, from)] };
  for (let i = pointIndex(c.points, from) + 1; i < c.points.length && c.points[i] < to; i++) {
    tl.times.push(c.points[i]);
    tl.values.push(c.sets[i]);
  }
  return tl;
}

// ---------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------

function toMs(d: Date, what: string): number {
  const ms = d instanceof Date ? d.getTime() : NaN;
  if (!Number.isFinite(ms)) throw new RangeError(`${what} must be a valid Date`);
  return ms;
}

function sameSet(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false;
  if (a.length <= 1) return a[0] === b[0];
  const sa = [...a].sort();
  const sb = [...b].sort();
  return sa.every((x, i) => x === sb[i]);
}

function resolve(c: CompiledSchedule, at: number): string[] {
  const o = overridesAt(c, at);
  if (o.length > 0) return [...o];
  for (let i = c.layers.length - 1; i >= 0; i--) {
    const who = layerOnCallAt(c.layers[i], at, c.zone);
    if (who !== null) return [who];
  }
  return [];
}

/** Who is on call at an instant ([] = nobody). */
export function onCallAt(schedule: Schedule, at: Date): string[] {
  return resolve(compile(schedule), toMs(at, "at"));
}

/** The user a single layer has on call at an instant (restrictions applied), or null. */
export function layerOnCall(schedule: Schedule, layerIndex: number, at: Date): string | null {
  const c = compile(schedule);
  const layer = c.layers[layerIndex];
  if (!layer) throw new RangeError(`no layer ${layerIndex}`);
  return layerOnCallAt(layer, toMs(at, "at"), c.zone);
}

/** The shifts of one layer (restrictions not applied) that overlap [from, to), empty shifts skipped. */
export function layerShifts(schedule: Schedule, layerIndex: number, from: Date, to: Date): Shift[] {
  const c = compile(schedule);
  const layer = c.layers[layerIndex];
  if (!layer) throw new RangeError(`no layer ${layerIndex}`);
  const f = toMs(from, "from");
  const t = toMs(to, "to");
  const out: Shift[] = [];
  if (layer.members.length === 0 || t <= f) return out;
  let k = f < layer.anchorMs ? 0 : shiftIndexAt(layer, f, c.zone);
  let start = boundary(layer, k, c.zone);
  while (start < t) {
    const end = boundary(layer, k + 1, c.zone);
    if (end > start) {
      out.push({ layer: layer.name, index: k, member: memberOf(layer, k), start: new Date(start), end: new Date(end) });
    }
    k++;
    start = end;
  }
  return out;
}

function segmentsMs(c: CompiledSchedule, from: number, to: number): Timeline<string[]> {
  const layerTimelines: Array<Timeline<string | null>> = c.layers.map((layer) => {
    const shifts = shiftTimeline(layer, from, to, c.zone);
    if (layer.restrictions.length === 0) return shifts;
    const mask = restrictionTimeline(layer, from, to, c.zone);
    return combine<string | null>(
      from,
      [shifts, mask] as Array<Timeline<unknown>>,
      (v) => (v[1] ? (v[0] as string | null) : null),
      (a, b) => a === b,
    );
  });
  const overrides = overrideTimeline(c, from, to);
  return combine<string[]>(
    from,
    [overrides, ...layerTimelines] as Array<Timeline<unknown>>,
    (v) => {
      const o = v[0] as string[];
      if (o.length > 0) return o;
      for (let i = v.length - 1; i >= 1; i--) {
        const who = v[i] as string | null;
        if (who !== null) return [who];
      }
      return NOBODY;
    },
    sameSet,
  );
}

/**
 * The final schedule on [from, to): consecutive segments, merged wherever the on-call set does
 * not change, the first starting at `from` and the last ending at `to` (segments with nobody on
 * call included, onCall: []).
 */
export function segments(schedule: Schedule, from: Date, to: Date): Segment[] {
  const c = compile(schedule);
  const f = toMs(from, "from");
  const t = toMs(to, "to");
  if (t <= f) return [];
  const tl = segmentsMs(c, f, t);
  return tl.times.map((start, i) => ({
    start: new Date(start),
    end: new Date(i + 1 < tl.times.length ? tl.times[i + 1] : t),
    onCall: [...tl.values[i]],
  }));
}

/**
 * When the on-call set next changes after `at`, and who is on call from then ([] = nobody);
 * null when it never changes again.
 */
export function nextHandoff(schedule: Schedule, at: Date): Handoff | null {
  const c = compile(schedule);
  const start = toMs(at, "at");
  const current = resolve(c, start);
  let latest = Math.max(start, c.lastOverrideEnd);
  let maxStep = 0;
  for (const l of c.layers) {
    latest = Math.max(latest, l.anchorMs);
    maxStep = Math.max(maxStep, l.stepMs);
  }
  // After every anchor and every override, each layer repeats with its shift length (and its
  // restrictions weekly): a change, if there is one, shows within two shifts or a year.
  const horizon = latest + Math.max(370 * MS_PER_DAY, 2 * maxStep + 8 * MS_PER_DAY);
  let cursor = start;
  let span = MS_PER_DAY;
  while (cursor < horizon) {
    const end = Math.min(cursor + span, horizon);
    const tl = segmentsMs(c, cursor, end);
    for (let i = 0; i < tl.times.length; i++) {
      if (!sameSet(tl.values[i], current)) return { at: new Date(tl.times[i]), onCall: [...tl.values[i]] };
    }
    cursor = end;
    span *= 4;
  }
  return null;
}
