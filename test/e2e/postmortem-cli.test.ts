// `incident-bot postmortem export INC-<n>` in its own process, as a user runs it: it exports to the
// folder, updates the document on a second run, and once people edited it, keeps their edits,
// writes the regenerated draft next to it and says so.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/clock.ts";
import { IncidentService } from "../../src/incidents/service.ts";
import { member } from "../support/actors.ts";
import { freshDatabase, type TestDatabase } from "../support/db.ts";
import { runCli } from "../support/process.ts";

let t: TestDatabase;
let cwd: string;
beforeAll(async () => {
  t = await freshDatabase();
  cwd = mkdtempSync(path.join(os.tmpdir(), "postmortem-cli-"));
});
afterAll(async () => t?.drop());

describe("incident-bot postmortem export", () => {
  it("creates, updates, then keeps people's edits and says where the regenerated draft went", async () => {
    const { incident } = await new IncidentService({ db: t.db, clock: new ManualClock("2026-04-01T08:00:00Z") }).declare({ title: "Queue backlog", severity: "SEV3" }, member("U0ALICE001"));
    const ref = `INC-${incident.number}`;
    const env = { DATABASE_URL: t.url, POSTMORTEM_DIR: "pm" };
    const file = path.join(cwd, "pm", `${ref}-queue-backlog.md`);
    const regenerated = path.join(cwd, "pm", `${ref}-queue-backlog.regenerated.md`);

    const first = await runCli(["postmortem", "export", ref], env, cwd);
    expect(first.stderr).toBe("");
    expect(first.stdout.trim()).toBe(`Exported ${ref} with the directory exporter: ${file}`);
    const second = await runCli(["postmortem", "export", ref], env, cwd);
    expect(second.stdout.trim()).toBe(`Exported ${ref} with the directory exporter: ${file}`);

    const edited = `${readFileSync(file, "utf8")}\nOur own analysis.\n`;
    writeFileSync(file, edited);
    const third = await runCli(["postmortem", "export", ref], env, cwd);
    expect(third.code).toBe(0);
    expect(third.stdout.trim().split("\n")).toEqual([
      `${ref}'s postmortem has edits by people, so it is kept as they left it: ${file}`,
      `The regenerated draft (directory exporter) is next to it: ${regenerated}`,
    ]);
    expect(readFileSync(file, "utf8")).toBe(edited);
    expect(readFileSync(regenerated, "utf8")).toContain(`# ${ref}: Queue backlog`);
  });
});
