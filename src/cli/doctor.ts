// `incident-bot doctor`: checks what the bot depends on (the database and its migrations, the Slack
// token and its scopes, the announce channel, the postmortem exporter, the rota's people), one
// line each with what to do, and exits 1 when any fails, so that it can gate a deploy.
import { ConfigError, loadConfig } from "../config.ts";
import { CHECKS, exitCode, fail, formatReport } from "../doctor/checks.ts";
import { DEFAULT_CHECK_TIMEOUT_MS, runDoctor } from "../doctor/doctor.ts";
import { createLogger } from "../log.ts";
import { guard, parseArgs, processIo, UsageError, type CliIo } from "./args.ts";

export const DOCTOR_USAGE = `Usage: incident-bot doctor [--timeout <seconds>] [--json]

  Checks the database and its migrations, the Slack token and the scopes slack-app-manifest.yml
  asks for, the announce channel (it exists and the bot is in it), the postmortem exporter (a
  folder is writable; a git remote answers and accepts a push, as a dry run; the Confluence space
  is there) and that the people the rota names exist in Slack. Writes nothing.
  Exits 1 when any check fails (0 otherwise), so that it can gate a deploy.

  --timeout <seconds>  how long one check may take (default ${DEFAULT_CHECK_TIMEOUT_MS / 1000})
  --json               the results as JSON: {"ok": true|false, "checks": [{name, status, summary, fix?, details?}]}`;

export async function doctorCommand(args: string[], io: CliIo = processIo): Promise<number> {
  return guard(io, DOCTOR_USAGE, async () => {
    const parsed = parseArgs(args, ["--timeout"], ["--json", "--help", "-h"]);
    if (parsed.flags.has("--help") || parsed.flags.has("-h")) {
      io.out(DOCTOR_USAGE);
      return 0;
    }
    if (parsed.positional.length > 0) throw new UsageError(`unexpected argument ${parsed.positional[0]}`);
    const timeoutText = parsed.flags.get("--timeout") as string | undefined;
    const timeoutSeconds = timeoutText === undefined ? DEFAULT_CHECK_TIMEOUT_MS / 1000 : Number(timeoutText);
    if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0 || timeoutSeconds > 3600) throw new UsageError(`--timeout: expected seconds from 1 to 3600, not "${timeoutText}"`);

    // The report goes to stdout; the log says only what went wrong.
    const log = createLogger("warn");
    let results;
    try {
      results = await runDoctor(loadConfig(log), { timeoutMs: timeoutSeconds * 1000, log });
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      results = [fail(CHECKS.config, `${err.problems.length} ${err.problems.length === 1 ? "problem" : "problems"}`, "see .env.example for every variable", err.problems)];
    }
    if (parsed.flags.has("--json")) io.out(JSON.stringify({ ok: exitCode(results) === 0, checks: results }));
    else for (const line of formatReport(results)) io.out(line);
    return exitCode(results);
  });
}
