// A small leveled logger writing one line per message. Secrets never reach it.
export interface Logger {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

const LEVELS = ["debug", "info", "warn", "error"] as const;
export type Level = (typeof LEVELS)[number];

export function createLogger(level: Level = "info", write: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Logger {
  const min = LEVELS.indexOf(level);
  const at = (l: Level) => (msg: string) => {
    if (LEVELS.indexOf(l) >= min) write(`${new Date().toISOString()} ${l.padEnd(5)} ${msg}`);
  };
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

/** A logger that keeps lines in memory (tests read them). */
export function memoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const push = (l: Level) => (msg: string) => void lines.push(`${l} ${msg}`);
  return { lines, debug: push("debug"), info: push("info"), warn: push("warn"), error: push("error") };
}
