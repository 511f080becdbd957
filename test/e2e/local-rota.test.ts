// Local mode's sample rota goes only into a database without schedules: a database that has a
// rota of its own is somebody's, and local mode leaves it as it is.
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config.ts";
import { startLocalMode } from "../../src/local/mode.ts";
import { memoryLogger } from "../../src/log.ts";
import { rotaFile, weeklySchedule } from "../fixtures/rotas.ts";
import { applyRotaText } from "../support/bot.ts";
import { freshDatabase, type TestDatabase } from "../support/db.ts";

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

describe("local mode on a database that has schedules", () => {
  it("does not apply the sample rota", async () => {
    const t: TestDatabase = await freshDatabase();
    cleanups.push(() => t.drop());
    await applyRotaText(t.db, rotaFile({ schedules: [weeklySchedule("ops", "Europe/Paris", ["U0OPS00001"])] }));
    const log = memoryLogger();
    const dataDir = mkdtempSync(path.join(os.tmpdir(), "local-rota-"));
    const local = await startLocalMode({ config: parseConfig({ ENGINE_TICK_SECONDS: "59", DATA_DIR: dataDir }), db: t.db, log, port: 0 });
    cleanups.push(() => local.stop());
    expect((await t.db.schedule.findMany()).map((s) => s.name)).toEqual(["ops"]);
    expect(log.lines.some((l) => l.startsWith("warn") && l.includes("not applying the sample rota") && l.includes("already has schedules (ops)"))).toBe(true);
  });
});
