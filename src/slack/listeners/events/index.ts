// Events API: a mention of the bot is answered with where to start. Slack retries deliveries;
// the reply's outbox key is the event id, so a retried event answers once.
import type { App } from "@slack/bolt";
import type { ListenerContext } from "../context.ts";

export const MENTION_REPLY = "Hi! Declare an incident with `/incident declare <title> [sev1-4]`, or see everything with `/incident help`.";

export function registerEvents(app: App, services: ListenerContext): void {
  app.event("app_mention", async ({ event, body }) => {
    const eventId = (body as { event_id?: string }).event_id ?? `${event.channel}:${event.ts}`;
    await services.say([{ key: `event:${eventId}`, kind: "slack.post", payload: { channel: event.channel, threadTs: event.thread_ts ?? event.ts, text: MENTION_REPLY } }]);
  });
}
