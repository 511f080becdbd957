// What the engine runs: modules behind one small interface. Each module is level-triggered: it
// looks at the rows whose due instant has passed and does what they ask, so a late, skipped,
// failing or doubled run changes nothing but timing (GoAlert's engine is built the same way).
export interface EngineModule {
  /** For logs, readiness and metrics: "escalation", "shift-notices", "housekeeping"… */
  readonly name: string;
  /** Does what is due at `now` (the database's clock); returns how much it did. */
  runDue(now: Date): Promise<number>;
  /** The next instant something becomes due, when the module knows (the engine wakes up for it). */
  nextDueAt?(): Promise<Date | null>;
  /** How long one run may take before it counts as failed; default: the engine's. */
  timeoutMs?: number;
}
