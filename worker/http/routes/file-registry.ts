// The file registry (services/registry): GET /v1/files, GET and DELETE /v1/files/{id}. Gateway key
// required; each key sees and deletes its own records only (another key's are a 404, as unknown ones).
import type { IRequest } from "itty-router";
import type { components } from "../../../generated/gateway";
import type { Env } from "../../core/config";
import { GatewayError } from "../../core/errors";
import { isProviderId } from "../../providers/table";
import { demandProvider } from "../../services/keys/scope";
import { withOriginals } from "../../services/originals/store";
import { type FileRecord, getFiles } from "../../services/registry/files";
import { decodeCursor, type ListQuery, listFiles } from "../../services/registry/list";
import { removeFile } from "../../services/registry/remove";
import { uploadSession } from "../../services/sessions/session";
import { need, ownerIn, type Vars } from "../context";
import { pageLimit, readQuery } from "../query";

type Kind = components["schemas"]["Kind"];
type FileStatus = components["schemas"]["FileStatus"];

const KINDS: readonly string[] = ["image", "video", "audio", "document"] satisfies Kind[];
const STATUSES: readonly string[] = ["uploaded", "staged", "expired", "deleted"] satisfies FileStatus[];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const bad = (detail: string) => new GatewayError("invalid_field", detail);

function listQuery(url: URL): ListQuery {
  const q = readQuery(url, ["provider", "sha256", "upload_id", "kind", "status", "limit", "cursor"]);
  const limit = pageLimit(q.limit);
  if (q.provider !== undefined && !isProviderId(q.provider)) throw bad(`No provider "${q.provider}".`);
  if (q.sha256 !== undefined && !/^[0-9a-fA-F]{64}$/.test(q.sha256)) throw bad('"sha256" is a hex SHA-256.');
  if (q.upload_id !== undefined && !UUID.test(q.upload_id))
    throw bad('"upload_id" is an upload\'s id (a UUID).');
  if (q.kind !== undefined && !KINDS.includes(q.kind)) throw bad(`"kind" is one of ${KINDS.join(", ")}.`);
  if (q.status !== undefined && !STATUSES.includes(q.status))
    throw bad(`"status" is one of ${STATUSES.join(", ")}.`);
  return {
    limit,
    ...(q.provider === undefined ? {} : { provider: q.provider as ListQuery["provider"] & string }),
    ...(q.sha256 === undefined ? {} : { sha256: q.sha256 }),
    ...(q.upload_id === undefined ? {} : { uploadId: q.upload_id }),
    ...(q.kind === undefined ? {} : { kind: q.kind as Kind }),
    ...(q.status === undefined ? {} : { status: q.status as FileStatus }),
    ...(q.cursor === undefined ? {} : { after: decodeCursor(q.cursor) }),
  };
}

export async function listRegistry(
  request: IRequest,
  env: Env,
  _ctx: unknown,
  vars: Vars,
): Promise<Response> {
  const who = need(vars, "principal");
  const q = listQuery(new URL(request.url));
  if (q.provider) demandProvider(who, q.provider);
  const within = who.providers === null ? {} : { within: who.providers };
  const page = await listFiles(env.DB, ownerIn(vars), { ...q, ...within });
  return Response.json({ ...page, data: await withOriginals(env.DB, ownerIn(vars), page.data) });
}

/** The caller's record under this id (and ?provider=, which a fan-out's shared id needs). */
export async function oneRecord(request: IRequest, env: Env, vars: Vars): Promise<FileRecord> {
  const id = request.params.id ?? "";
  const provider = new URL(request.url).searchParams.get("provider") ?? undefined;
  if (provider !== undefined && !isProviderId(provider)) throw bad(`No provider "${provider}".`);
  const found = await getFiles(env.DB, ownerIn(vars), id, provider);
  const [first] = found;
  if (!first) throw new GatewayError("not_found", `No file "${id}".`);
  for (const record of found) demandProvider(need(vars, "principal"), record.provider);
  if (found.length > 1) {
    throw bad(`"${id}" went to ${found.map((r) => r.provider).join(", ")}: name one with ?provider=.`);
  }
  return first;
}

export async function getRegistryFile(
  request: IRequest,
  env: Env,
  _ctx: unknown,
  vars: Vars,
): Promise<Response> {
  const [record] = await withOriginals(env.DB, ownerIn(vars), [await oneRecord(request, env, vars)]);
  return Response.json(record);
}

export async function deleteRegistryFile(
  request: IRequest,
  env: Env,
  _ctx: unknown,
  vars: Vars,
): Promise<Response> {
  const record = await oneRecord(request, env, vars);
  const needsStaged = (uploadId: string) => uploadSession(env, uploadId).needsStaged();
  return Response.json(await removeFile(env, ownerIn(vars), record, needsStaged, vars.requestId));
}
