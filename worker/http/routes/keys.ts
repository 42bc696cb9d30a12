// Runtime keys (services/keys): POST /v1/keys, GET /v1/keys, DELETE /v1/keys/{id} — keys:admin, within the
// caller's project; GET /v1/audit, the log of those changes; GET and PUT /v1/project, the project's quotas
// and default retention of kept originals.
import type { IRequest } from "itty-router";
import type { Env } from "../../core/config";
import { GatewayError } from "../../core/errors";
import { LIMITS } from "../../core/limits";
import type { ProviderId } from "../../providers/kit/capability";
import { listAudit } from "../../services/keys/audit";
import { projectOf, setProject } from "../../services/keys/project";
import { demandProjectAdmin, narrower } from "../../services/keys/scope";
import { createKey, listKeys, revokeKey, signingSecret } from "../../services/keys/store";
import { need, type Vars } from "../context";
import { readJsonObject } from "../json";
import { pageLimit, readQuery } from "../query";
import { validateBody } from "../schema";

export async function createKeyRoute(request: IRequest, env: Env, _ctx: unknown, vars: Vars) {
  const creator = need(vars, "principal");
  const secret = signingSecret(env);
  const body = validateBody("CreateKey", await readJsonObject(request));
  if (body.expires_at !== undefined && !(Date.parse(body.expires_at) > Date.now()))
    throw new GatewayError("invalid_field", '"expires_at" must be a time in the future.', {
      extras: { field: "expires_at" },
    });
  const scope = narrower(creator, {
    ...(body.providers ? { providers: body.providers as ProviderId[] } : {}),
    ...(body.actions ? { actions: body.actions } : {}),
    ...(body.quotas ? { quotas: body.quotas } : {}),
  });
  const key = await createKey(env.DB, secret, creator.project, creator, {
    name: body.name,
    ...scope,
    expiresAt: body.expires_at === undefined ? null : new Date(body.expires_at).toISOString(),
  });
  return Response.json(key, { status: 201, headers: { "cache-control": "no-store" } });
}

export async function listKeysRoute(_request: IRequest, env: Env, _ctx: unknown, vars: Vars) {
  return Response.json({ data: await listKeys(env.DB, need(vars, "principal").project) });
}

export async function revokeKeyRoute(request: IRequest, env: Env, _ctx: unknown, vars: Vars) {
  const id = request.params.id ?? "";
  const actor = need(vars, "principal");
  if (id.length > LIMITS.keyIdLength) throw new GatewayError("not_found", "No such key.");
  const key = await revokeKey(env.DB, actor.project, actor, id);
  // Another project's key is answered as an unknown one.
  if (!key) throw new GatewayError("not_found", `No key "${id}" in this project.`);
  return Response.json(key);
}

export async function listAuditRoute(request: IRequest, env: Env, _ctx: unknown, vars: Vars) {
  const q = readQuery(new URL(request.url), ["limit", "cursor"]);
  const page = { limit: pageLimit(q.limit), cursor: q.cursor };
  return Response.json(await listAudit(env.DB, need(vars, "principal").project, page));
}

export async function getProjectRoute(_request: IRequest, env: Env, _ctx: unknown, vars: Vars) {
  return Response.json(await projectOf(env.DB, need(vars, "principal").project));
}

export async function setProjectRoute(request: IRequest, env: Env, _ctx: unknown, vars: Vars) {
  const who = need(vars, "principal");
  demandProjectAdmin(who);
  const body = validateBody("SetProject", await readJsonObject(request));
  return Response.json(await setProject(env.DB, who.project, who, body.quotas, body.keep_days));
}
