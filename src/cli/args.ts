// The command line's shared parts: one argument parser, usage errors, where output goes, and the
// guard that turns usage and configuration problems into exit codes (2 and 1).
import { ConfigError } from "../config.ts";
import { isUserError } from "../errors.ts";

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

export const processIo: CliIo = {
  out: (text) => void process.stdout.write(`${text}\n`),
  err: (text) => void process.stderr.write(`${text}\n`),
};

/** The command was called wrongly: said with the usage, exit code 2. */
export class UsageError extends Error {}

export interface ParsedArgs {
  positional: string[];
  flags: Map<string, string | true>;
}

/** `--name value`, `--name=value` and boolean flags; anything else is positional. */
export function parseArgs(args: string[], valued: string[], booleans: string[]): ParsedArgs {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--") {
      positional.push(...args.slice(i + 1));
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = eq >= 0 ? arg.slice(0, eq) : arg;
    if (flags.has(name)) throw new UsageError(`${name} is given twice`);
    if (valued.includes(name)) {
      const value = eq >= 0 ? arg.slice(eq + 1) : args[++i];
      if (value === undefined || value === "") throw new UsageError(`${name} needs a value`);
      flags.set(name, value);
    } else if (booleans.includes(name)) {
      if (eq >= 0) throw new UsageError(`${name} takes no value`);
      flags.set(name, true);
    } else {
      throw new UsageError(`unknown option ${name}`);
    }
  }
  return { positional, flags };
}


/**
 * Runs a command: a usage error prints the usage (exit 2), a configuration problem or what a
 * person asked that cannot be (an unknown schedule…) is said (exit 1).
 */
export async function guard(io: CliIo, usage: string, fn: () => Promise<number>): Promise<number> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`${err.message}\n\n${usage}`);
      return 2;
    }
    if (err instanceof ConfigError) {
      io.err(`${err.message}\nSee .env.example for every variable.`);
      return 1;
    }
    if (isUserError(err)) {
      io.err(err.message);
      return 1;
    }
    throw err;
  }
}

