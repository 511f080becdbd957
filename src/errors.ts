// One error type for what a person did wrong or asked for that cannot be: its message is meant
// for them (what was wrong and what would work), nothing was written, and its code tells callers
// what kind of refusal it is without reading the message.
export type UserErrorCode =
  /** The thing named does not exist (an incident, a schedule, an override, a page…). */
  | "not_found"
  /** The same request was already handled (a retried command, a form submitted twice). */
  | "duplicate"
  /** The state machine does not allow that change from where the incident is. */
  | "forbidden_transition"
  /** The input cannot be read or is out of bounds. */
  | "invalid_input"
  /** Asked of something in a state where it makes no sense (acknowledging an acknowledged page…). */
  | "conflict"
  /** The access rules do not allow this person to do that (the message says who may). */
  | "forbidden"
  /** Too many of these too fast (paging someone again and again). */
  | "rate_limited";

export class UserError extends Error {
  override name = "UserError";
  constructor(
    readonly code: UserErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export const isUserError = (err: unknown): err is UserError => err instanceof UserError;
