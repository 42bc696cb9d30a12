// Kept originals at work (docs/reuse.md): POST /v1/files/{id}/copies delivers a record's kept original to
// another provider; POST /v1/files/{id}/refresh re-delivers it to the record's own provider when that copy
// has expired or soon will. Both only ever use the caller's project's originals (the record is looked up
// under the caller's owner, the original under the same owner and the record's digest).
import type { IRequest } from "itty-router";
import { type Env, publicOrigin } from "../../core/config";
import { GatewayError } from "../../core/errors";
import { configured } from "../../providers/config";
import { optionsIn } from "../../providers/kit/capability";
import { capability, isProviderId } from "../../providers/table";
import { demandProvider, type Principal } from "../../services/keys/scope";
import { findOriginal, type Original, withOriginals } from "../../services/originals/store";
import { expireNow } from "../../services/registry/expire";
import { type FileRecord, getFiles, recordQuietly } from "../../services/registry/files";
import { refuseOtherFields } from "../../services/upload/advice";
import { deliverKept, type KeptDelivery } from "../../services/upload/kept";
import { need, ownerIn, type Vars } from "../context";
import { readJsonObject } from "../json";
import { validateBody } from "../schema";
import { oneRecord } from "./file-registry";

/** The caller's kept original of a record's content, or 404 original_not_kept. */
async function keptOriginal(env: Env, owner: string, record: FileRecord): Promise<Original> {
  const original = await findOriginal(env.DB, owner, record.file.sha256);
  if (!original)
    throw new GatewayError(
      "original_not_kept",
      `No original of "${record.id}" is kept (never kept, or its retention ended): upload the file again, with keep_days to keep it.`,
    );
  return original;
}

/** Delivers the original as `to` says and records the new provider's record, counted as an upload. */
async function deliverAndRecord(
  env: Env,
  ctx: ExecutionContext,
  vars: Vars,
  original: Original,
  to: Omit<KeptDelivery, "id" | "surface" | "principal" | "defer" | "answer" | "requestId">,
) {
  const who: Principal = need(vars, "principal");
  const answer = new Headers();
  const { result, options } = await deliverKept(
    env,
    {
      ...to,
      id: crypto.randomUUID(),
      surface: "json",
      principal: who,
      defer: (work) => ctx.waitUntil(work),
      answer,
      requestId: vars.requestId,
    },
    original,
  );
  const usage = { account: who, tally: { uploads: 1, bytes: result.file.size } };
  await recordQuietly(env, ownerIn(vars), result, options, usage, vars.requestId);
  return { result, answer };
}

export async function copyFile(request: IRequest, env: Env, ctx: ExecutionContext, vars: Vars) {
  const record = await oneRecord(request, env, vars);
  const json = await readJsonObject(request);
  // The provider's own fields before the schema, whose enums are another provider's (MiniMax's purposes).
  if (typeof json.provider === "string" && isProviderId(json.provider)) {
    const { provider: _named, ...options } = json;
    refuseOtherFields(capability(json.provider), options);
  }
  const body = validateBody("CopyRequest", json);
  demandProvider(need(vars, "principal"), body.provider);
  configured(env, body.provider);
  const original = await keptOriginal(env, ownerIn(vars), record);
  const { result, answer } = await deliverAndRecord(env, ctx, vars, original, {
    provider: body.provider,
    options: optionsIn(body),
    name: record.file.name,
    origin: publicOrigin(request, env),
  });
  return Response.json(result, { status: 201, headers: answer });
}

export async function refreshFile(request: IRequest, env: Env, ctx: ExecutionContext, vars: Vars) {
  const record = await oneRecord(request, env, vars);
  const hasBody = request.headers.get("content-length") !== "0" && request.body !== null;
  const body = validateBody("RefreshRequest", hasBody ? await readJsonObject(request) : {});
  const owner = ownerIn(vars);
  if (record.status === "deleted")
    throw new GatewayError("invalid_field", `"${record.id}" was deleted; copy it instead of refreshing it.`);
  const margin = (body.margin_seconds ?? 0) * 1000;
  const live =
    record.status !== "expired" &&
    (record.expires_at === null || Date.parse(record.expires_at) > Date.now() + margin);
  if (live) {
    const [current] = await withOriginals(env.DB, owner, [record]);
    return Response.json(current);
  }
  const original = await keptOriginal(env, owner, record);
  configured(env, record.provider);
  const { result, answer } = await deliverAndRecord(env, ctx, vars, original, {
    provider: record.provider,
    options: record.options,
    name: record.file.name,
    origin: publicOrigin(request, env),
  });
  // The provider's fresh copy replaces the old one: the old record reads expired from now on.
  await expireNow(env.DB, owner, record.id, record.provider);
  const [fresh] = await getFiles(env.DB, owner, result.id, result.provider);
  if (!fresh) throw new Error("unreachable: the fresh record was just written");
  const [shown] = await withOriginals(env.DB, owner, [fresh]);
  return Response.json(shown, { status: 201, headers: answer });
}
