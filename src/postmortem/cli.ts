// `incident-bot postmortem show|export INC-<n>`: the draft on the terminal, or exported now.
// Exporting from the command line records the result like the bot does; the Slack messages it
// causes (the link in the channel, the card) are sent by the running bot's outbox.
import { systemClock } from "../clock.ts";
import { createDb } from "../db/client.ts";
import { migrate } from "../db/migrate.ts";
import { createLogger } from "../log.ts";
import { loadConfig, openDatabase, postmortemSetup } from "../main.ts";
import { renderPostmortem } from "./draft/index.ts";
import { exportPostmortem, postmortemInput } from "./service.ts";

export const POSTMORTEM_USAGE = `Usage: incident-bot postmortem show INC-<n>     print the draft (Markdown)
       incident-bot postmortem export INC-<n>   write the draft and export it (updates the same document)`;

export async function postmortemCommand(args: string[]): Promise<number> {
  const [sub, ref, ...extra] = args;
  const number = /^INC-(\d+)$/i.exec(ref ?? "")?.[1];
  if ((sub !== "show" && sub !== "export") || !number || extra.length) {
    console.error(POSTMORTEM_USAGE);
    return 2;
  }
  const log = createLogger("warn");
  const config = loadConfig(log);
  const setup = await postmortemSetup(config, log);
  const { url, embedded } = await openDatabase(config, log);
  const db = createDb(url);
  try {
    await migrate(url);
    const incident = await db.incident.findUnique({ where: { number: Number(number) } });
    if (!incident) {
      console.error(`There is no INC-${number}.`);
      return 1;
    }
    const now = systemClock.now();
    if (sub === "show") {
      process.stdout.write(renderPostmortem(await postmortemInput(db, incident.id, now), setup.template));
      return 0;
    }
    // The wiki is called outside any transaction; what came of it is recorded afterwards.
    const result = await exportPostmortem(db, incident.id, now, { ...setup, log });
    await db.$transaction((tx) => result.record(tx, systemClock.now()));
    console.log(`Exported INC-${number} with the ${setup.exporter.name} exporter: ${result.url ?? result.location}`);
    return 0;
  } finally {
    await db.$disconnect();
    await embedded?.stop();
  }
}
