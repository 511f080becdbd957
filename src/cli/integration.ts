// `incident-bot integration token <name>`: a new token for an integration of the rota file. The
// token is the only line printed on stdout (for scripts and secret stores); only its hash is kept,
// and the previous token stops working at once.
import { newToken } from "../alerts/tokens.ts";
import { integrationsWithToken, storeTokenHash } from "../alerts/store.ts";
import { listIntegrations } from "../oncall/store.ts";
import { withDatabase } from "../runtime.ts";

export const INTEGRATION_USAGE = `Usage: incident-bot integration token <name>   print a new token for the integration (the previous one stops working)
       incident-bot integration list           the integrations applied from the rota file, and whether each has a token`;

export async function integrationCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === "token" && rest.length === 1) {
    const name = rest[0];
    return withDatabase(async (db) => {
      const integrations = await listIntegrations(db);
      if (!integrations.some((i) => i.name === name)) {
        const known = integrations.map((i) => i.name);
        console.error(`There is no integration "${name}". ${known.length ? `Integrations: ${known.join(", ")}.` : "None is defined: add one under integrations: in the rota file and run incident-bot rota apply."}`);
        return 1;
      }
      const { token, hash } = newToken();
      await storeTokenHash(db, name, hash, new Date());
      console.log(token);
      return 0;
    });
  }
  if (sub === "list" && rest.length === 0) {
    return withDatabase(async (db) => {
      const integrations = await listIntegrations(db);
      if (integrations.length === 0) {
        console.log("No integrations: add them under integrations: in the rota file and run incident-bot rota apply.");
        return 0;
      }
      const withToken = await integrationsWithToken(db);
      for (const i of integrations) {
        const extra = i.kind === "heartbeat" ? ` every ${i.everySeconds}s + ${i.graceSeconds ?? 0}s grace` : i.declareIncident ? ` declares incidents by ${i.declareIncident.label}` : "";
        console.log(`${i.name}  ${i.kind} → ${i.service}${extra}  POST /integrations/${i.name}  ${withToken.has(i.name) ? "token set" : "no token (incident-bot integration token " + i.name + ")"}`);
      }
      return 0;
    });
  }
  console.error(INTEGRATION_USAGE);
  return 2;
}
