/**
 * An independent, deliberately naive model of TIME.md, for the tests only. It shares no code
 * with src/oncall: wall clocks come from Intl.formatToParts, local -> instant is done by
 * tabulating the wall clock of every minute of a window and searching that table, and shift
 * boundaries are walked one by one from the anchor.
 */
import type { Schedule } from "../../../src/oncall/schedule.ts";

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

const partsFormatters = new Map<string, Intl.DateTimeFormat>();

/** The wall clock of instant u in zone, as "fields read as UTC" ms. */
export function wallOf(zone: string, u: number): number {
  let f = partsFormatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-GB", {
      timeZone: zone,
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
      hour12: false,
    });
    partsFormatters.set(zone, f);
  }
  const p: Record<string, number> = {};
  for (const part of f.formatToParts(new Date(u))) {
    if (part.type !== "literal") p[part.type] = Number(part.value);
  }
  return Date.UTC(p.year, p.month - 1, p.day, p.hour === 24 ? 0 : p.hour, p.minute, p.second);
}

/**
 * Local -> instant by brute force: candidate offsets -12:00..+14:00 in 15-minute steps; keep
 * those whose instant shows the wanted wall clock; take the earliest; if none (a gap), scan
 * minute by minute for the first instant whose wall clock is past the wanted one.
 */
export function refLocalToInstant(zone: string, naive: number): number {
  const solutions: number[] = [];
  for (let o = -12 * HOUR; o <= 14 * HOUR; o += 15 * MIN) {
    const u = naive - o;
    if (wallOf(zone, u) === naive) solutions.push(u);
  }
  if (solutions.length > 0) return Math.min(...solutions);
  const start = Math.floor((naive - 14 * HOUR) / MIN) * MIN;
  for (let u = start; u <= naive + 12 * HOUR; u += MIN) {
    if (wallOf(zone, u) > naive) return u;
  }
  throw new Error("refLocalToInstant: no instant found");
}

/** Wall clock of every minute in [fromMs, toMs): local -> instant by table lookup. */
export class ZoneTable {
  private readonly firstAt = new Map<number, number>();
  private readonly instants: number[] = [];
  private readonly walls: number[] = [];
  private readonly gapCache = new Map<number, number>();

  constructor(
    readonly zone: string,
    readonly fromMs: number,
    readonly toMs: number,
  ) {
    for (let u = fromMs; u < toMs; u += MIN) {
      const w = wallOf(zone, u);
      this.instants.push(u);
      this.walls.push(w);
      if (!this.firstAt.has(w)) this.firstAt.set(w, u);
    }
  }

  /** Instant of a local time (whole minutes): first occurrence, or the first instant after a gap. */
  toInstant(naive: number): number {
    if (naive % MIN !== 0) throw new Error("ZoneTable works on whole minutes");
    if (naive <= this.walls[0] || naive >= this.walls[this.walls.length - 1]) {
      throw new Error(`ZoneTable: ${new Date(naive).toISOString()} outside the table`);
    }
    const hit = this.firstAt.get(naive);
    if (hit !== undefined) return hit;
    const cached = this.gapCache.get(naive);
    if (cached !== undefined) return cached;
    for (let i = 0; i < this.walls.length; i++) {
      if (this.walls[i] > naive) {
        this.gapCache.set(naive, this.instants[i]);
        return this.instants[i];
      }
    }
    throw new Error("unreachable");
  }

  /** Instants at which the offset changes inside the table. */
  transitions(): number[] {
    const out: number[] = [];
    for (let i = 1; i < this.instants.length; i++) {
      if (this.walls[i] - this.instants[i] !== this.walls[i - 1] - this.instants[i - 1]) out.push(this.instants[i]);
    }
    return out;
  }
}

const UNIT: Record<string, number> = { h: HOUR, d: DAY, w: 7 * DAY };
// JS getUTCDay: 0 = Sunday.
const DAY_NAMES = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

interface RefLayer {
  members: string[];
  boundaries: number[]; // b_0, b_1, ... walked from the anchor
  windows: Array<[number, number]> | null; // null = unrestricted
}

/** The reference on-call model of a schedule, valid for instants in [table.fromMs + 2d, until). */
export class ReferenceSchedule {
  private readonly layers: RefLayer[];

  constructor(
    private readonly schedule: Schedule,
    private readonly table: ZoneTable,
    until: number,
  ) {
    this.layers = schedule.layers.map((layer) => {
      const s = layer.rotation.start;
      const anchorNaive = Date.UTC(s.year, s.month - 1, s.day, s.hour, s.minute, s.second ?? 0);
      const step = layer.rotation.every.amount * UNIT[layer.rotation.every.unit];
      const boundaries: number[] = [];
      for (let k = 0; ; k++) {
        const b = table.toInstant(anchorNaive + k * step);
        boundaries.push(b);
        if (b > until) break;
      }
      let windows: Array<[number, number]> | null = null;
      if (layer.restrictions && layer.restrictions.length > 0) {
        windows = [];
        const firstDay = Math.ceil((table.fromMs + DAY) / DAY) * DAY;
        for (let day = firstDay; day < table.toMs - 2 * DAY; day += DAY) {
          const name = DAY_NAMES[new Date(day).getUTCDay()];
          for (const r of layer.restrictions) {
            if (!(r.days as string[]).includes(name)) continue;
            const [fh, fm] = r.from.split(":").map(Number);
            const [th, tm] = r.to.split(":").map(Number);
            const fromMin = fh * 60 + fm;
            let toMin = th * 60 + tm;
            if (toMin <= fromMin) toMin += 24 * 60;
            windows.push([table.toInstant(day + fromMin * MIN), table.toInstant(day + toMin * MIN)]);
          }
        }
      }
      return { members: layer.members, boundaries, windows };
    });
  }

  onCallAt(u: number): string[] {
    const active = this.schedule.overrides
      .map((o, index) => ({ o, index }))
      .filter(({ o }) => o.start.getTime() <= u && u < o.end.getTime())
      .sort((a, b) => a.o.start.getTime() - b.o.start.getTime() || a.index - b.index)
      .map(({ o }) => o.user);
    if (active.length > 0) return [...new Set(active)];
    for (let i = this.layers.length - 1; i >= 0; i--) {
      const who = this.layerAt(this.layers[i], u);
      if (who !== null) return [who];
    }
    return [];
  }

  /** All boundary instants of all layers (for sampling right at and just before them). */
  boundaryInstants(): number[] {
    const out: number[] = [];
    for (const l of this.layers) {
      out.push(...l.boundaries);
      for (const [s, e] of l.windows ?? []) out.push(s, e);
    }
    return out;
  }

  private layerAt(layer: RefLayer, u: number): string | null {
    if (layer.members.length === 0) return null;
    if (u < layer.boundaries[0]) return null;
    let k = -1;
    for (let i = 0; i < layer.boundaries.length - 1; i++) {
      if (layer.boundaries[i] <= u) k = i;
    }
    if (k < 0 || !(u < layer.boundaries[k + 1])) throw new Error("reference: instant past the walked boundaries");
    if (layer.windows && !layer.windows.some(([s, e]) => s <= u && u < e)) return null;
    return layer.members[k % layer.members.length];
  }
}
