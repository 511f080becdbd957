// POST /integrations/<name>: where Alertmanager, Grafana and anything that speaks the generic
// shape send alerts, and where heartbeats ping. Answers with JSON; a refused request writes nothing:
//   404 no such integration · 401 no or wrong token · 413 a body over 1 MB · 400 not the shape
//   200 what the body did (alerts that could not be read are listed, the others are taken in)
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Clock } from "../clock.ts";
import type { Db } from "../db/client.ts";
import { sqlRead } from "../db/sql.ts";
import { UserError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { Metrics } from "../metrics/index.ts";
import type { RawTx } from "../db/tx.ts";
import type { Integration } from "../oncall/rota-file.ts";
import { loadIntegration } from "../oncall/store.ts";
import { parseAlertBody } from "./payloads.ts";
import type { AlertService } from "./service.ts";
import { tokenHashOf } from "./store.ts";
import { presentedToken, tokenMatches } from "./tokens.ts";

export const INTEGRATIONS_ROUTE = "/integrations/:name";

/** The largest body taken in: 1 MB (an Alertmanager group of a few thousand alerts). */
export const MAX_ALERT_BODY_BYTES = 1024 * 1024;

class TooLarge extends Error {}

/** The body, up to `limit` bytes (a longer one is refused without reading the rest). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"] ?? NaN);
    if (Number.isFinite(declared) && declared > limit) {
      req.resume();
      reject(new TooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners("data");
        req.resume();
        reject(new TooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function answer(res: ServerResponse, status: number, body: Record<string, unknown>, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers }).end(`${JSON.stringify(body)}\n`);
}

export interface IntegrationEndpointDeps {
  db: Db;
  clock: Clock;
  alerts: AlertService;
  log: Logger;
  metrics?: Metrics;
}

/** The handler of POST /integrations/<name>. */
/**
 * How long an integration's definition is remembered: a rota applied by another process takes
 * effect within this (one applied through this process's database client, at once).
 */
export const INTEGRATION_CACHE_MS = 2_000;

/** Integrations by name, each remembered for INTEGRATION_CACHE_MS (an unknown name is asked again). */
function integrationCache() {
  const known = new Map<string, { integration: Integration; until: number }>();
  return {
    async get(q: RawTx, name: string): Promise<Integration | null> {
      const hit = known.get(name);
      if (hit && hit.until > Date.now()) return hit.integration;
      const integration = await loadIntegration(q, name);
      if (integration) known.set(name, { integration, until: Date.now() + INTEGRATION_CACHE_MS });
      else known.delete(name);
      return integration;
    },
    forget: () => known.clear(),
  };
}

export function integrationEndpoint({ db, clock, alerts, log, metrics }: IntegrationEndpointDeps) {
  const integrations = integrationCache();
  const handler = async (req: IncomingMessage & { params?: Record<string, string> }, res: ServerResponse): Promise<void> => {
    const name = req.params?.name ?? decodeURIComponent((req.url ?? "").split("?")[0].split("/")[2] ?? "");
    let counted = "unknown";
    const reply = (status: number, body: Record<string, unknown>, headers?: Record<string, string>) => {
      metrics?.integrationRequest(counted, status);
      answer(res, status, body, headers);
    };
    try {
      // Before anything is read or written: the integration (as applied, remembered a moment) and
      // its token's hash (read every time: a new token replaces the old one at once).
      const [integration, stored] = await sqlRead(db, async (q) => [await integrations.get(q, name), await tokenHashOf(q, name)] as const);
      if (!integration) return reply(404, { error: "unknown_integration", message: `There is no integration named "${name}" (integrations are defined in the rota file).` });
      counted = integration.name;
      if (!tokenMatches(stored, presentedToken(req.headers.authorization))) {
        req.resume();
        const message = stored
          ? "Missing or wrong token: send it as Authorization: Bearer <token>, or as the password of basic auth."
          : `This integration has no token yet: make one with \`incident-bot integration token ${integration.name}\`.`;
        return reply(401, { error: "unauthorized", message }, { "www-authenticate": 'Bearer realm="incident-bot"' });
      }
      let raw: Buffer;
      try {
        raw = await readBody(req, MAX_ALERT_BODY_BYTES);
      } catch (err) {
        if (err instanceof TooLarge) return reply(413, { error: "too_large", message: `The body is over ${MAX_ALERT_BODY_BYTES} bytes; nothing was taken in. Lower max_alerts in Alertmanager's webhook_configs.` }, { connection: "close" });
        throw err;
      }
      if (integration.kind === "heartbeat") {
        const result = await alerts.ping(integration);
        return reply(200, { ok: true, integration: integration.name, ping: true, resolved: result.resolved });
      }
      let body: unknown;
      try {
        body = JSON.parse(raw.toString("utf8"));
      } catch (err) {
        return reply(400, { error: "invalid_json", message: `The body is not JSON: ${(err as Error).message}` });
      }
      const parsed = parseAlertBody(integration.kind, body, clock.now());
      if (!parsed.ok) return reply(400, { error: "invalid_body", message: parsed.problem });
      if (parsed.batch.alerts.length === 0 && parsed.batch.rejected.length > 0) {
        return reply(400, { error: "invalid_alerts", message: "No alert in the body could be read; nothing was taken in.", rejected: describeRejected(parsed.batch.rejected) });
      }
      const result = await alerts.ingest(integration, parsed.batch);
      reply(200, { ok: true, ...result, rejected: describeRejected(result.rejected) });
    } catch (err) {
      if (err instanceof UserError) return reply(409, { error: err.code, message: err.message });
      log.error(`integration ${name}: ${(err as Error).message}`, { err });
      // Alertmanager and Grafana send again after a 5xx: nothing was taken in.
      reply(503, { error: "unavailable", message: "The alert could not be recorded; nothing was taken in. Send it again." });
    }
  };
  /** Forgets the integrations remembered (a rota was applied). */
  return Object.assign(handler, { forget: integrations.forget });
}

const describeRejected = (rejected: { index: number; problem: string }[]) => rejected.map((r) => ({ index: r.index, problem: `alerts[${r.index}]: ${r.problem}` }));
