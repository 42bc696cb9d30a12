// GET /v1/usage (usage:read): the project's rollup per day and provider (services/usage).
import type { IRequest } from "itty-router";
import type { Env } from "../../core/config";
import { LIMITS } from "../../core/limits";
import { isProviderId } from "../../providers/table";
import { today, usageOf } from "../../services/usage/usage";
import { need, type Vars } from "../context";
import { badField, readQuery } from "../query";

const DAY_MS = 86_400_000;

/** A YYYY-MM-DD that is a real day (2026-02-30 is not), as Unix ms at its UTC midnight. */
function dayMs(value: string, field: string): number {
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(value) ? Date.parse(`${value}T00:00:00Z`) : Number.NaN;
  if (Number.isNaN(ms) || today(ms) !== value) throw badField(`"${field}" is a day, YYYY-MM-DD.`, field);
  return ms;
}

export async function getUsage(request: IRequest, env: Env, _ctx: unknown, vars: Vars) {
  const q = readQuery(new URL(request.url), ["from", "to", "provider", "key"]);
  const to = q.to === undefined ? dayMs(today(), "to") : dayMs(q.to, "to");
  const from = q.from === undefined ? to - (LIMITS.usageDefaultDays - 1) * DAY_MS : dayMs(q.from, "from");
  if (from > to) throw badField('"from" is after "to".', "from");
  if ((to - from) / DAY_MS + 1 > LIMITS.usageMaxDays)
    throw badField(`One answer covers at most ${LIMITS.usageMaxDays} days.`, "from");
  if (q.provider !== undefined && !isProviderId(q.provider))
    throw badField(`No provider "${q.provider}".`, "provider");
  if (q.key !== undefined && q.key.length > LIMITS.keyIdLength)
    throw badField('"key" is a key\'s id.', "key");
  const data = await usageOf(env.DB, need(vars, "principal").project, {
    from: today(from),
    to: today(to),
    ...(q.provider === undefined ? {} : { provider: q.provider }),
    ...(q.key === undefined ? {} : { keyId: q.key }),
  });
  return Response.json({ data });
}
