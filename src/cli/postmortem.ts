// `incident-bot postmortem show|export INC-<n>`: the draft on the terminal, or exported now.
// Exporting from the command line records the result like the bot does; the Slack messages it
// causes (the link in the channel, the card) are sent by the running bot's outbox.
import { postmortemsFromConfig } from "../app.ts";
import { systemClock } from "../clock.ts";
import { inTransaction } from "../db/tx.ts";
import { incidentByNumber } from "../incidents/store.ts";
import { renderPostmortem } from "../postmortem/draft/index.ts";
import { exportPostmortem, postmortemInput } from "../postmortem/service.ts";
import { configuredLogger, withDatabase } from "../runtime.ts";
import { guard, processIo, UsageError, type CliIo } from "./args.ts";

export const POSTMORTEM_USAGE = `Usage: incident-bot postmortem show INC-<n>     print the draft (Markdown)
       incident-bot postmortem export INC-<n>   write the draft and export it (updates the same document;
                                                once people edited it, the draft goes next to it)`;

export async function postmortemCommand(args: string[], io: CliIo = processIo): Promise<number> {
  return guard(io, POSTMORTEM_USAGE, async () => {
    const [sub, ref, ...extra] = args;
    const number = /^INC-(\d+)$/i.exec(ref ?? "")?.[1];
    if ((sub !== "show" && sub !== "export") || !number || extra.length) throw new UsageError(sub === "show" || sub === "export" ? `postmortem ${sub} needs an incident, like INC-12` : "postmortem needs show or export");
    return withDatabase(async (db, config) => {
      const setup = await postmortemsFromConfig(config, configuredLogger(config, "warn"));
      const incident = await incidentByNumber(db, Number(number));
      if (!incident) {
        io.err(`There is no INC-${number}.`);
        return 1;
      }
      const now = systemClock.now();
      if (sub === "show") {
        io.out(renderPostmortem(await postmortemInput(db, incident.id, now), setup.template).replace(/\n$/, ""));
        return 0;
      }
      // The wiki is called outside any transaction; what came of it is recorded afterwards.
      const result = await exportPostmortem(db, incident.id, now, setup);
      await inTransaction(db, (tx) => result.record(tx, systemClock.now()));
      if (result.regenerated) {
        io.out(`INC-${number}'s postmortem has edits by people, so it is kept as they left it: ${result.url ?? result.location}`);
        io.out(`The regenerated draft (${setup.exporter.name} exporter) is next to it: ${result.regenerated.url ?? result.regenerated.location}`);
      } else {
        io.out(`Exported INC-${number} with the ${setup.exporter.name} exporter: ${result.url ?? result.location}`);
      }
      return 0;
    });
  });
}
