// The Slack Web API client settings, the bot's identity, and how Slack's errors map onto outbox
// outcomes (retry, give up, or pause everything while the token is refused).
import { WebClient, LogLevel, type WebAPICallResult } from "@slack/web-api";
import { AuthFailure, PermanentFailure, TransientFailure, type Failure } from "../engine/outbox.ts";
import type { Metrics } from "../metrics/index.ts";

/** Slack's default is 10 s; a lane's timeout bounds a whole delivery, which may make several calls. */
export const SLACK_CALL_TIMEOUT_MS = 10_000;

/**
 * Our own retries (the outbox) decide when to try again, so the client itself does not retry and
 * hands rate limits back to us with their Retry-After.
 */
export function createWebClient(token: string, slackApiUrl: string, opts: { timeoutMs?: number; metrics?: Metrics } = {}): WebClient {
  const Client = opts.metrics ? meteredWebClient(opts.metrics) : WebClient;
  return new Client(token, {
    slackApiUrl,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: opts.timeoutMs ?? SLACK_CALL_TIMEOUT_MS,
    logLevel: LogLevel.ERROR,
  });
}

/** What became of a call, for metrics: "ok", Slack's error code (ratelimited for a 429), http_<status>, or request_error. */
export function callResult(err: unknown): string {
  const e = err as { code?: string; statusCode?: number; data?: { error?: string } };
  switch (e?.code) {
    case "slack_webapi_rate_limited_error":
      return "ratelimited";
    case "slack_webapi_platform_error":
      return e.data?.error ?? "unknown_error";
    case "slack_webapi_http_error":
      return `http_${e.statusCode ?? "error"}`;
    default:
      return "request_error";
  }
}

/**
 * A WebClient that counts and times every call by method and result. Its method shortcuts
 * (chat.postMessage…) are bound to apiCall when the client is made, so overriding it in a
 * subclass is the one place every call passes through.
 */
function meteredWebClient(metrics: Metrics): typeof WebClient {
  return class MeteredWebClient extends WebClient {
    override async apiCall(method: string, options?: Record<string, unknown>): Promise<WebAPICallResult> {
      const started = performance.now();
      try {
        const result = await super.apiCall(method, options);
        metrics.slackCall(method, "ok", (performance.now() - started) / 1000);
        return result;
      } catch (err) {
        metrics.slackCall(method, callResult(err), (performance.now() - started) / 1000);
        throw err;
      }
    }
  };
}

/** Method errors worth trying again; every other method error cannot succeed by retrying. */
const TRANSIENT_ERRORS = new Set(["ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout", "timeout"]);

/** Slack refusing the token itself: true of every call, not of one message. */
export const AUTH_ERRORS = new Set(["invalid_auth", "token_revoked", "account_inactive", "token_expired", "not_authed"]);

export function slackErrorCode(err: unknown): string | null {
  const e = err as { code?: string; data?: { error?: string } };
  return e?.code === "slack_webapi_platform_error" ? (e.data?.error ?? "unknown_error") : null;
}

/** The auth error code of a failed call, or null. */
export function slackAuthError(err: unknown): string | null {
  const code = slackErrorCode(err);
  return code && AUTH_ERRORS.has(code) ? code : null;
}

export function classifySlackError(err: unknown): Failure {
  const e = err as { code?: string; retryAfter?: number; statusCode?: number; data?: { error?: string }; message?: string };
  switch (e?.code) {
    case "slack_webapi_rate_limited_error":
      return new TransientFailure("rate limited by Slack", Math.max(1, Number(e.retryAfter ?? 1)));
    case "slack_webapi_platform_error": {
      const code = e.data?.error ?? "unknown_error";
      if (AUTH_ERRORS.has(code)) return new AuthFailure(code);
      return TRANSIENT_ERRORS.has(code) ? new TransientFailure(`Slack answered ${code}`) : new PermanentFailure(`Slack answered ${code}`, code);
    }
    case "slack_webapi_http_error":
      return new TransientFailure(`Slack answered HTTP ${e.statusCode}`);
    case "slack_webapi_request_error":
      return new TransientFailure(`could not reach Slack: ${e.message}`);
    default:
      return new TransientFailure(e?.message ?? String(err));
  }
}

export interface BotIdentity {
  botUserId: string;
  botId: string;
  teamId: string;
}

/**
 * Who the bot is, from auth.test: asked once and remembered, asked again after a failure. Its
 * `check` is the auth circuit's probe.
 */
export class SlackIdentity {
  private known: Promise<BotIdentity> | null = null;

  constructor(private readonly slack: WebClient) {}

  get(): Promise<BotIdentity> {
    this.known ??= this.ask();
    return this.known;
  }

  /** Asks Slack again (throws what Slack answered when the token is refused). */
  async check(): Promise<BotIdentity> {
    const fresh = this.ask();
    this.known = fresh;
    return fresh;
  }

  private ask(): Promise<BotIdentity> {
    return this.slack.auth.test().then(
      (r) => ({ botUserId: String(r.user_id ?? ""), botId: String(r.bot_id ?? ""), teamId: String(r.team_id ?? "") }),
      (err) => {
        this.known = null;
        throw err;
      },
    );
  }
}
