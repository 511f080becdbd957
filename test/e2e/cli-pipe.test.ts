// Output written to a pipe arrives whole: a year of an hourly rotation (about a megabyte of JSON)
// piped through a slow reader, as `incident-bot oncall … --json | jq …` would be.
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { BIN } from "../support/process.ts";

const ROTA = `
schedules:
  hourly:
    timezone: Europe/London
    layers:
      - name: every-hour
        members: [U0ALICE001, U0BOB00002, U0CAROL003]
        rotation: { every: 1h, start: "2026-01-01T00:00" }
`;

describe("the command line writing to a pipe", () => {
  it("hands over all of its output before it exits", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "cli-pipe-"));
    const file = path.join(dir, "rota.yaml");
    writeFileSync(file, ROTA);
    // The reader waits a second before it reads: the pipe fills and the writer has to wait for it.
    const reader = `setTimeout(() => { let all = ""; process.stdin.on("data", (c) => (all += c)); process.stdin.on("end", () => process.stdout.write(String(all.length) + "\\n" + all)); }, 1000);`;
    const command = `"${process.execPath}" "${BIN}" oncall hourly --file "${file}" --from 2026-01-01T00:00:00Z --to 2027-01-01T00:00:00Z --json | "${process.execPath}" -e '${reader}'`;
    const child = spawn("sh", ["-c", command], { cwd: dir, env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", DATABASE_URL: "postgresql://nobody:nothing@127.0.0.1:1/none" } });
    let out = "";
    let err = "";
    child.stdout.on("data", (c) => (out += c));
    child.stderr.on("data", (c) => (err += c));
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    expect(err).toBe("");
    expect(code).toBe(0);
    const [length, json] = [Number(out.slice(0, out.indexOf("\n"))), out.slice(out.indexOf("\n") + 1)];
    expect(length).toBeGreaterThan(512 * 1024);
    const parsed = JSON.parse(json) as { segments: { start: string; end: string; onCall: string[] }[] };
    expect(parsed.segments.length).toBeGreaterThan(8700); // a year of hourly shifts (the clock changes merge or drop one)
    expect(parsed.segments.at(-1)!.end).toBe("2027-01-01T00:00:00.000Z");
  }, 60_000);
});
