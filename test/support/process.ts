// The `incident-bot` command run as a user runs it: its own process, a clean environment.
import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import path from "node:path";

export const BIN = path.resolve(__dirname, "../../bin/incident-bot.js");

export interface CliProcess {
  child: ChildProcess;
  /** stdout and stderr, interleaved as they came */
  output(): string;
  stdout(): string;
  stderr(): string;
  exited: Promise<number | null>;
}

/** Starts `incident-bot <args>` with only PATH, HOME and `env` in its environment. */
export function startCli(args: string[], env: Record<string, string>, cwd: string): CliProcess {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let all = "";
  let out = "";
  let err = "";
  child.stdout!.on("data", (c) => ((out += c), (all += c)));
  child.stderr!.on("data", (c) => ((err += c), (all += c)));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (code) => resolve(code));
  });
  return { child, output: () => all, stdout: () => out, stderr: () => err, exited };
}

/** Runs `incident-bot <args>` to its end. */
export async function runCli(args: string[], env: Record<string, string>, cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = startCli(args, env, cwd);
  const code = await p.exited;
  return { code, stdout: p.stdout(), stderr: p.stderr() };
}

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** Waits for another process to get somewhere (it runs on its own real clock). */
export async function until<T>(what: string, fn: () => Promise<T | undefined>, output: () => string, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; output:\n${output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
