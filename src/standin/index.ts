// The Slack stand-in: a fake Slack Web API with real state, for local mode and the tests.
export { SlackStandIn } from "./slack-standin.ts";
export type { Fault, RecordedCall, SlackStandInOptions } from "./slack-standin.ts";
export type { Channel, Message, OpenView, StandInChange, StandInUser } from "./workspace.ts";
