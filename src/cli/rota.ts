// `incident-bot rota plan|apply <file> [--prune]`: validate a rota file (every error with its path;
// with the bot's token, the people it names checked against Slack), say what applying it would
// change (and whose shifts move), and apply it in one transaction (telling those people).
import { readFile } from "node:fs/promises";
import { loadConfig } from "../config.ts";
import { applyRota, formatPlan, planRota } from "../oncall/apply.ts";
import { parseRotaFile, type Rota } from "../oncall/rota-file.ts";
import { withDatabase } from "../runtime.ts";
import { SlackUsers } from "../slack/users.ts";
import { createWebClient } from "../slack/web-client.ts";
import { guard, parseArgs, processIo, UsageError, type CliIo } from "./args.ts";

export const ROTA_USAGE = `Usage: incident-bot rota plan <file> [--prune]
       incident-bot rota apply <file> [--prune]

  plan    validate the rota file and print what applying it would change, and whose on-call
          time it gains and loses in the next 90 days
  apply   make those changes, in one transaction, and tell each person whose shifts move by
          direct message (the running bot sends it)
  --prune also delete the schedules, escalation policies, services and followed user groups that
          are stored but no longer in the file (without it they are kept)`;


type RotaRead = { ok: true; rota: Rota } | { ok: false };

export async function readRota(file: string, io: CliIo): Promise<RotaRead> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    io.err(`Cannot read the rota file ${file}: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message}`);
    return { ok: false };
  }
  const parsed = parseRotaFile(text, file);
  if (!parsed.ok) {
    io.err(`${file} is not a valid rota file (${parsed.errors.length} ${parsed.errors.length === 1 ? "error" : "errors"}):`);
    for (const e of parsed.errors) io.err(`  ${e}`);
    return { ok: false };
  }
  return parsed;
}

/**
 * With the bot's token configured, the people the file names must exist in Slack. Without it (or
 * when Slack cannot be reached) the check is skipped, and that is said.
 */
async function knownToSlack(file: string, rota: Rota, io: CliIo): Promise<boolean> {
  const config = loadConfig();
  if (!config.SLACK_BOT_TOKEN) return true;
  try {
    const errors = await new SlackUsers(createWebClient(config.SLACK_BOT_TOKEN, config.SLACK_API_URL)).check(rota);
    if (errors.length === 0) return true;
    io.err(`${file} names people Slack does not know (${errors.length} ${errors.length === 1 ? "error" : "errors"}):`);
    for (const e of errors) io.err(`  ${e}`);
    return false;
  } catch (err) {
    io.err(`Could not check the file's users with Slack (${(err as Error).message}); carrying on without that check.`);
    return true;
  }
}

export async function rotaCommand(args: string[], io: CliIo = processIo): Promise<number> {
  return guard(io, ROTA_USAGE, async () => {
    const parsed = parseArgs(args, [], ["--prune", "--help", "-h"]);
    if (parsed.flags.has("--help") || parsed.flags.has("-h")) {
      io.out(ROTA_USAGE);
      return 0;
    }
    const [sub, file, ...extra] = parsed.positional;
    if (sub !== "plan" && sub !== "apply") {
      throw new UsageError(sub === undefined ? "rota needs plan or apply" : `unknown rota command "${sub}" (use plan or apply)`);
    }
    if (file === undefined) throw new UsageError(`rota ${sub} needs the rota file`);
    if (extra.length > 0) throw new UsageError(`unexpected argument ${extra[0]}`);
    const prune = parsed.flags.has("--prune");

    const read = await readRota(file, io);
    if (!read.ok) return 1;
    if (!(await knownToSlack(file, read.rota, io))) return 1;
    const plan = await withDatabase((db) => (sub === "plan" ? planRota(db, read.rota, { prune }) : applyRota(db, read.rota, { prune })));
    io.out(formatPlan(plan, { applied: sub === "apply" }));
    return 0;
  });
}

