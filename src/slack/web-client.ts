// The Slack Web API client settings, and how its errors map onto outbox retries.
import { WebClient, LogLevel } from "@slack/web-api";
import { PermanentFailure, TransientFailure } from "../engine/outbox.ts";

/**
 * Our own retries (the outbox) decide when to try again, so the client itself does not retry and
 * hands rate limits back to us with their Retry-After.
 */
export function createWebClient(token: string, slackApiUrl: string): WebClient {
  return new WebClient(token, {
    slackApiUrl,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: 10_000,
    logLevel: LogLevel.ERROR,
  });
}

/** Method errors worth trying again; every other method error cannot succeed by retrying. */
const TRANSIENT_ERRORS = new Set(["ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout", "timeout"]);

export function slackErrorCode(err: unknown): string | null {
  const e = err as { code?: string; data?: { error?: string } };
  return e?.code === "slack_webapi_platform_error" ? (e.data?.error ?? "unknown_error") : null;
}

export function classifySlackError(err: unknown): PermanentFailure | TransientFailure {
  const e = err as { code?: string; retryAfter?: number; statusCode?: number; data?: { error?: string }; message?: string };
  switch (e?.code) {
    case "slack_webapi_rate_limited_error":
      return new TransientFailure("rate limited by Slack", Math.max(1, Number(e.retryAfter ?? 1)));
    case "slack_webapi_platform_error": {
      const code = e.data?.error ?? "unknown_error";
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
