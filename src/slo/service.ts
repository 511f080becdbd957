// SLO error budgets from the database: each service's SLO (the rota file's `slo`), the impact of
// its incidents (incidents/durations.ts), and the budget at an instant (budget.ts). Read-only.
import type { DbClient } from "../db/tx.ts";
import { UserError } from "../errors.ts";
import { impactInterval, keyTimes } from "../incidents/durations.ts";
import { incidentsOfServiceSince, timelinesOf } from "../incidents/store.ts";
import { loadService, serviceNames, servicesWithSlo } from "../oncall/store.ts";
import { budgetAt, type BudgetReport, type Impact, type Slo } from "./budget.ts";

export interface ServiceBudget extends BudgetReport {
  service: string;
}

/** The impact of a service's incidents that may reach into a window starting at `since`. */
export async function impactsOf(db: DbClient, service: string, since: Date, now: Date): Promise<Impact[]> {
  const incidents = await incidentsOfServiceSince(db, service, since);
  const timelines = await timelinesOf(db, incidents.map((i) => i.id));
  return incidents.map((i) => {
    const times = keyTimes(timelines.get(i.id) ?? [], i);
    const { startAt, endAt } = impactInterval(times, now);
    return { incidentNumber: i.number, highestSeverity: times.highestSeverity, startAt, endAt };
  });
}

/** A service's error budget at `now`. */
export async function serviceBudget(db: DbClient, name: string, slo: Slo, now: Date): Promise<ServiceBudget> {
  const since = new Date(now.getTime() - slo.windowSeconds * 1000);
  return { service: name, ...budgetAt(slo, await impactsOf(db, name, since, now), now) };
}

/** The budgets of one service (refused when it has no SLO) or of every service that has one. */
export async function serviceBudgets(db: DbClient, service: string | null, now: Date): Promise<ServiceBudget[]> {
  if (service === null) return Promise.all((await servicesWithSlo(db)).map((s) => serviceBudget(db, s.name, s.slo, now)));
  const found = await loadService(db, service);
  if (!found) {
    const known = await serviceNames(db);
    throw new UserError("not_found", `There is no service \`${service}\`. ${known.length ? `Services: ${known.join(", ")}.` : "No services are defined yet (apply a rota file with `incident-bot rota apply`)."}`);
  }
  if (!found.slo) throw new UserError("not_found", `\`${service}\` has no SLO. Give it one in the rota file: \`services.${service}.slo: { objective: 99.9, window: 30d, counts_from: sev2 }\`.`);
  return [await serviceBudget(db, service, found.slo, now)];
}

/** Error budgets as Slack asks for them (`/incident slo [service]`). */
export class SloService {
  constructor(private readonly opts: { db: DbClient; clock: { now(): Date } }) {}

  budgets(service: string | null): Promise<ServiceBudget[]> {
    return serviceBudgets(this.opts.db, service, this.opts.clock.now());
  }
}
