// The sample workspace of local mode: five people (the same ids as examples/rota.yaml), the
// channels every workspace starts with, and where the sample rota lives.
import { fromRoot } from "../paths.ts";
import type { StandInUser } from "../standin/index.ts";

/** Time zones differ on purpose: `/incident oncall` answers in the asker's zone. */
export const SAMPLE_USERS: StandInUser[] = [
  { id: "U0ALICE001", name: "alice", realName: "Alice Ng", email: "alice@example.com", tz: "America/New_York" },
  { id: "U0BOB00002", name: "bob", realName: "Bob Diaz", email: "bob@example.com", tz: "America/Chicago" },
  { id: "U0CAROL003", name: "carol", realName: "Carol Ito", email: "carol@example.com", tz: "Europe/London" },
  { id: "U0DAVE0004", name: "dave", realName: "Dave Okafor", email: "dave@example.com", tz: "Africa/Lagos" },
  { id: "U0ERIN0005", name: "erin", realName: "Erin Silva", email: "erin@example.com", tz: "America/Los_Angeles" },
];

/**
 * Fixed ids, so that the announce channel is the same channel on every run (the database outlives
 * the in-memory workspace).
 */
export const SAMPLE_CHANNELS = {
  general: { id: "C0LOCALGEN", name: "general" },
  incidents: { id: "C0LOCALINC", name: "incidents" },
} as const;

/** The example rota shipped with the repository, found from this file (not from the cwd). */
export const SAMPLE_ROTA_PATH = fromRoot("examples", "rota.yaml");

/** The sample rota's integration, which the page's "Send test alert" posts to. */
export const SAMPLE_INTEGRATION = "prometheus";
