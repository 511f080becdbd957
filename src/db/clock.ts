// The database's clock, as every bot process sees it. Due instants (escalation steps, retries,
// leases) are compared with one clock, PostgreSQL's, so replicas whose own clocks disagree still
// agree on what is due. Each process measures its offset from PostgreSQL's clock (a round trip,
// halved) at start and before every engine tick, and reads the time locally in between.
import { systemClock, type Clock } from "../clock.ts";
import type { Db } from "./client.ts";

export class DatabaseClock implements Clock {
  private offsetMs = 0;
  private synced = false;

  constructor(
    private readonly db: Db,
    /** This process's own clock (a test gives a skewed one). */
    private readonly local: Clock = systemClock,
  ) {}

  now(): Date {
    return new Date(this.local.now().getTime() + this.offsetMs);
  }

  /** How far PostgreSQL's clock is ahead of this process's, in ms (after the last sync). */
  get offset(): number {
    return this.offsetMs;
  }

  get isSynced(): boolean {
    return this.synced;
  }

  /** Measures the offset again; keeps the last one when the database does not answer. */
  async sync(): Promise<void> {
    const before = this.local.now().getTime();
    const [row] = await this.db.$queryRaw<{ now: Date }[]>`SELECT clock_timestamp() AS now`;
    const after = this.local.now().getTime();
    this.offsetMs = row.now.getTime() - (before + after) / 2;
    this.synced = true;
  }
}
