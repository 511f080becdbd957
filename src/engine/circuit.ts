// Slack refusing the bot's token (invalid_auth, token_revoked, account_inactive, token_expired)
// says nothing about one message: it stops every delivery to that workspace. So it opens a
// circuit instead of failing messages: the Slack lanes pause with every message kept pending,
// readiness turns false, the log says what to do once a minute, and a probe (auth.test) closes
// the circuit by itself as soon as the token works again, which resumes delivery.
import type { Clock } from "../clock.ts";
import type { Logger } from "../log.ts";

export interface AuthCircuitOptions {
  /** Asks Slack whether the token works (auth.test); throws when it does not. */
  probe: () => Promise<void>;
  /** The auth error code in a probe's failure, or null for any other failure (Slack down…). */
  authErrorOf: (err: unknown) => string | null;
  clock: Clock;
  log: Logger;
  /** Called when the circuit closes (delivery may resume). */
  onClose?: () => void;
  /** How often to probe while open. */
  probeIntervalMs?: number;
  /** How often to check the token while closed (so an idle bot also learns of a revoked token). */
  checkIntervalMs?: number;
}

export interface AuthCircuitStatus {
  open: boolean;
  /** The auth error that opened it. */
  code: string | null;
  openedAt: Date | null;
  /** True once Slack has accepted the token (a probe or a delivery). */
  verified: boolean;
  /** Why the last probe failed, when it did for another reason than auth (Slack unreachable…). */
  lastProbeError: string | null;
}

const LOG_EVERY_MS = 60_000;

export class AuthCircuit {
  private code: string | null = null;
  private openedAt: Date | null = null;
  private verified = false;
  private lastProbeError: string | null = null;
  private lastLoggedAt = 0;
  private probing: Promise<boolean> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private started = false;

  constructor(private readonly opts: AuthCircuitOptions) {}

  isOpen(): boolean {
    return this.code !== null;
  }

  status(): AuthCircuitStatus {
    return { open: this.isOpen(), code: this.code, openedAt: this.openedAt, verified: this.verified, lastProbeError: this.lastProbeError };
  }

  /** A call to Slack succeeded: the token works. */
  markWorking(): void {
    this.verified = true;
  }

  /** Slack refused the token: pause every delivery to Slack until a probe succeeds. */
  open(code: string): void {
    if (this.code !== null) return;
    this.code = code;
    this.openedAt = this.opts.clock.now();
    this.verified = false;
    this.complain();
    this.schedule();
  }

  private complain(): void {
    const now = this.opts.clock.now().getTime();
    if (this.lastLoggedAt && now - this.lastLoggedAt < LOG_EVERY_MS) return;
    this.lastLoggedAt = now;
    const since = this.openedAt ? ` since ${this.openedAt.toISOString()}` : "";
    this.opts.log.error(
      `Slack refuses the bot's token (${this.code})${since}: deliveries to Slack are paused and every message is kept. ` +
        "Reinstall the app to the workspace (OAuth & Permissions → Reinstall to Workspace) and set the new SLACK_BOT_TOKEN; " +
        "delivery resumes by itself as soon as Slack accepts the token again.",
    );
  }

  /**
   * Asks Slack (auth.test). Closes the circuit when the token works, opens it when Slack refuses
   * it; any other failure (Slack unreachable) changes nothing. Returns whether the token works.
   */
  probe(): Promise<boolean> {
    this.probing ??= this.opts
      .probe()
      .then(
        () => {
          this.verified = true;
          this.lastProbeError = null;
          if (this.code !== null) {
            this.opts.log.info(`Slack accepts the bot's token again (it refused it with ${this.code} since ${this.openedAt?.toISOString()}): resuming deliveries`);
            this.code = null;
            this.openedAt = null;
            this.lastLoggedAt = 0;
            this.schedule();
            this.opts.onClose?.();
          }
          return true;
        },
        (err: unknown) => {
          const code = this.opts.authErrorOf(err);
          if (code !== null) {
            if (this.code === null) this.open(code);
            else this.complain();
            this.lastProbeError = null;
          } else {
            this.lastProbeError = err instanceof Error ? err.message : String(err);
          }
          return false;
        },
      )
      .finally(() => (this.probing = null));
    return this.probing;
  }

  /** Probes now and then: often while open, rarely while closed. */
  start(): void {
    this.started = true;
    void this.probe();
    this.schedule();
  }

  private schedule(): void {
    if (!this.started) return;
    if (this.timer) clearInterval(this.timer);
    const every = this.isOpen() ? (this.opts.probeIntervalMs ?? 15_000) : (this.opts.checkIntervalMs ?? 5 * 60_000);
    this.timer = setInterval(() => void this.probe(), every);
    this.timer.unref();
  }

  stop(): void {
    this.started = false;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
