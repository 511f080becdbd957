export { SlackStandIn } from "./webapi.ts";
export type { Channel, Fault, Message, OpenView, RecordedCall, SlackStandInOptions, StandInChange, StandInUser } from "./webapi.ts";
