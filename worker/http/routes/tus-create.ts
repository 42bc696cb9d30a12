// tus creation (POST /v1/tus): everything checkable is checked before a byte is stored. A whole upload
// names its provider and file in Upload-Metadata; a partial upload (concatenation) is bytes only, named
// later by the final upload that lists the partials (services/tus/concat.ts), whose file is checked whole.
import type { IRequest } from "itty-router";
import { type Env, publicOrigin } from "../../core/config";
import { GatewayError, renderProblem, tooLarge, unwrap } from "../../core/errors";
import { LIMITS } from "../../core/limits";
import type { ProviderId } from "../../providers/kit/capability";
import { demandProvider, fileLimitOf } from "../../services/keys/scope";
import { parseKeepDays } from "../../services/originals/days";
import { chargeQuota } from "../../services/quota/hold";
import type { HandedPiece } from "../../services/records/tus";
import {
  type Caller,
  type TusUpload,
  type UploadRecord,
  uploadSession,
} from "../../services/sessions/session";
import type { Claims } from "../../services/sessions/token";
import { piecesSize } from "../../services/staging/concat";
import { newStaging } from "../../services/staging/rechunk";
import { stagedKey } from "../../services/staging/staged";
import { parseConcat } from "../../services/tus/concat";
import { type Plan, plan } from "../../services/tus/plan";
import { intHeader, parseMetadata, tusHeaders } from "../../services/tus/protocol";
import { hexDigest, oneDigest } from "../../services/upload/digest";
import { keepDaysFor } from "../../services/upload/kept";
import { ownerIn, type Vars } from "../context";
import { authorize, checkBody, requireTusVersion, toSession } from "./tus";

/** What a partial upload is until a final upload names it: bytes, of no type yet. */
const PARTIAL_FILE = {
  name: "",
  extension: "",
  mimeType: "application/octet-stream",
  kind: "document",
} as const;

export async function tusCreate(request: IRequest, env: Env, _ctx: unknown, vars: Vars): Promise<Response> {
  requireTusVersion(request);
  const claims = await authorize(request, env, vars, undefined);
  const concat = parseConcat(request.headers.get("upload-concat"), request.url);
  if (concat && claims) {
    const detail =
      "Concatenation (Upload-Concat) needs a gateway key: a signed upload URL is for one upload.";
    throw new GatewayError("invalid_field", detail);
  }
  if (concat?.kind === "final") return createFinal(request, env, vars, concat.ids);
  const defer = request.headers.get("upload-defer-length");
  if (defer !== null && (defer.trim() !== "1" || request.headers.has("upload-length") || concat)) {
    const detail = "Send Upload-Defer-Length: 1 without Upload-Length (and not on a partial upload).";
    throw new GatewayError("invalid_field", detail);
  }
  let length = intHeader(request.headers, "upload-length");
  if (length === undefined && defer === null) throw new GatewayError("invalid_field", "Send Upload-Length.");
  if (length === 0) throw new GatewayError("no_file_uploaded", "The upload is empty.");
  const withUpload = request.body !== null && (request.headers.get("content-type") ?? "") !== "";
  if (withUpload) checkBody(request, env);
  const metadata = parseMetadata(request.headers.get("upload-metadata"));
  const keyLimit = fileLimitOf(vars.principal);
  if (keyLimit && length !== undefined && length > keyLimit.bytes) throw tooLarge(keyLimit, length);
  let rateLimit: Record<string, string> = {};
  let p: Plan | undefined;
  if (concat?.kind === "partial" && length !== undefined) {
    // A part of a file yet unnamed: held to the largest file the gateway takes (the final upload is then
    // checked whole against its provider), and counted against quotas once, with the final upload.
    const most = LIMITS.resumableMaxBytes;
    if ((length ?? 0) > most)
      throw tooLarge({ bytes: most, detail: `Files are at most ${most} bytes` }, length ?? 0);
  } else if (length === undefined) {
    // creation-defer-length: bytes are held to the smallest limit of the providers, the ticket and the key
    // as they arrive; quotas count the length when a PATCH declares it (http/routes/tus.ts).
    p = plan(metadata, 0, claims, env);
    charge(vars, p);
    length = Math.min(p.limit, keyLimit?.bytes ?? p.limit, LIMITS.resumableMaxBytes);
  } else {
    p = plan(metadata, length, claims, env);
    charge(vars, p);
    // A resumable upload counts against its quotas when it is created, for its whole Upload-Length: it may
    // take days, so it holds no concurrent slot; an abandoned one is not refunded (docs/keys.md).
    rateLimit = await chargeQuota(env, vars.principal, length, vars.requestId);
  }
  const id = claims?.id ?? crypto.randomUUID();
  const deferred = defer !== null;
  const started = await start(request, env, vars, claims, { id, length, plan: p, metadata, deferred });
  const headers = tusHeaders({ ...started, ...rateLimit });
  if (!withUpload) return new Response(null, { status: 201, headers });
  // creation-with-upload: the body is the first PATCH.
  const patchHeaders = new Headers(request.headers);
  patchHeaders.set("upload-offset", "0");
  const patched = await toSession(env, id, request, "PATCH", patchHeaders, { upload: id }, vars);
  if (patched.status !== 204) return patched;
  return new Response(null, {
    status: 201,
    headers: { ...headers, "upload-offset": patched.headers.get("upload-offset") ?? "0" },
  });
}

/** The key may upload to every provider named; the access line names them. */
function charge(vars: Vars, p: Plan): void {
  vars.reported.provider = p.providers.join(",");
  const principal = vars.principal;
  if (principal) for (const provider of p.providers) demandProvider(principal, provider);
}

interface Start {
  readonly id: string;
  readonly length: number;
  /** Absent: a partial upload. */
  readonly plan: Plan | undefined;
  readonly metadata: Record<string, string>;
  /** Upload-Defer-Length: `length` is only the bound until a PATCH declares it. */
  readonly deferred?: boolean;
  /** A final upload's pieces (its partials' objects, handed over): its bytes have all arrived. */
  readonly pieces?: TusUpload["staging"]["concat"];
  /** When the oldest piece's bytes all arrived. */
  readonly stagedAt?: number;
}

/** Creates the upload's record in its Durable Object; answers Location and Upload-Expires. */
async function start(request: Request, env: Env, vars: Vars, claims: Claims | undefined, s: Start) {
  const origin = publicOrigin(request, env);
  const sha256 = oneDigest(
    s.metadata.sha256 === undefined ? undefined : hexDigest(s.metadata.sha256, 'Upload-Metadata "sha256"'),
    claims?.sha256,
  );
  // Upload-Metadata keep_days (a ticket's, fixed), else the project's: the staged object is kept as the
  // original instead of being deleted (docs/reuse.md). A concatenated upload's bytes are its partials'
  // objects, not one object an original can name: asked for, it is refused; the project's default skips it.
  const owner = claims ? claims.owner : ownerIn(vars);
  const asked = parseKeepDays(s.metadata.keep_days);
  if (s.pieces && asked)
    throw new GatewayError(
      "invalid_field",
      "keep_days is not available for a concatenated upload (Upload-Concat: final): send the file as one upload to keep its original.",
      { extras: { field: "keep_days" } },
    );
  const fixed = claims && (claims.keep_days ?? null);
  const known = vars.principal?.projectKeepDays;
  const keepDays = s.plan && !s.pieces ? await keepDaysFor(env.DB, owner, asked, fixed, known) : 0;
  const now = Date.now();
  const staging = newStaging(stagedKey(s.id), s.length);
  const given = request.headers.get("upload-metadata")?.trim();
  const tus: TusUpload = {
    staging: s.pieces ? { ...staging, offset: s.length, complete: true, concat: s.pieces } : staging,
    file: { ...(s.plan ? { name: s.plan.name, ...s.plan.type } : PARTIAL_FILE), size: s.length },
    providers: s.plan?.providers ?? [],
    options: s.plan?.options ?? {},
    expiresAt: now + LIMITS.tusExpiryMs,
    origin,
    ...(claims ? (claims.owner === undefined ? {} : { owner: claims.owner }) : { owner: ownerIn(vars) }),
    ...(vars.principal ? { key: vars.principal.keyId } : {}),
    ...(sha256 === undefined ? {} : { sha256 }),
    ...(given ? { metadata: given } : {}),
    ...(s.plan ? {} : { partial: true }),
    ...(s.pieces ? { stagedAt: s.stagedAt ?? now } : {}),
    ...(s.deferred ? { deferred: true } : {}),
    ...(keepDays > 0 ? { keepDays } : {}),
  };
  const record: UploadRecord = {
    id: s.id,
    provider: (s.plan?.providers[0] as ProviderId | undefined) ?? null,
    status: "receiving",
    created_at: new Date(now).toISOString(),
    expires_at: new Date(tus.expiresAt).toISOString(),
    metadata: null,
  };
  try {
    unwrap(await uploadSession(env, s.id).tusCreate(record, tus, claims !== undefined));
  } catch (error) {
    await request.body?.cancel().catch(() => {});
    throw error;
  }
  const location = new URL(`/v1/tus/${s.id}`, origin);
  const token = new URL(request.url).searchParams.get("token");
  if (token) location.searchParams.set("token", token);
  return { location: location.href, "upload-expires": new Date(tus.expiresAt).toUTCString() };
}

/**
 * The final upload (Upload-Concat: final;…): the caller's own finished partials, in order, checked as one
 * file against its provider (size, name, type; its bytes are sniffed at delivery), counted against quotas
 * once, then delivered before the answer (as a last PATCH is: success means the provider has the file).
 */
async function createFinal(request: Request, env: Env, vars: Vars, ids: readonly string[]) {
  if (request.headers.has("upload-length") || request.headers.has("upload-defer-length")) {
    const detail = "A final upload's length is its partial uploads': send no Upload-Length.";
    throw new GatewayError("invalid_field", detail);
  }
  if (request.body) await request.body.cancel().catch(() => {});
  const caller = { owner: ownerIn(vars) };
  const id = crypto.randomUUID();
  const length = piecesSize(await gather(env, ids, caller, id, false));
  const metadata = parseMetadata(request.headers.get("upload-metadata"));
  const keyLimit = fileLimitOf(vars.principal);
  if (keyLimit && length > keyLimit.bytes) throw tooLarge(keyLimit, length);
  const p = plan(metadata, length, undefined, env);
  charge(vars, p);
  const rateLimit = await chargeQuota(env, vars.principal, length, vars.requestId);
  const handed = await gather(env, ids, caller, id, true);
  // Its retention starts when its oldest bytes arrived, so no piece outlives the sweep's bound (cleanup.ts).
  const stagedAt = Math.min(...handed.map((h) => h.stagedAt));
  const pieces = handed.map(({ key, size }) => ({ key, size }));
  let started: Record<string, string>;
  try {
    started = await start(request, env, vars, undefined, { id, length, plan: p, metadata, pieces, stagedAt });
  } catch (error) {
    await Promise.all(ids.map((partial) => uploadSession(env, partial).release(id)));
    throw error;
  }
  const headers = tusHeaders({ ...started, ...rateLimit });
  const instance = new URL(started.location ?? "").pathname;
  const record = unwrap(await uploadSession(env, id).retry(instance, caller, vars.requestId)) as UploadRecord;
  const failed = record.deliveries?.find((d) => d.error)?.error;
  if (failed && p.providers.length === 1) return renderProblem(failed, headers, vars.requestId);
  return new Response(null, { status: 201, headers });
}

/**
 * The partials' pieces in order, each `caller`'s own finished partial; with `take`, handed over to `final`
 * (all of them or, should one be refused meanwhile, none: those taken are given back).
 */
export async function gather(
  env: Env,
  ids: readonly string[],
  caller: Caller,
  final: string,
  take: boolean,
): Promise<HandedPiece[]> {
  const answers = await Promise.all(ids.map((id) => uploadSession(env, id).handOver(caller, final, take)));
  const refused = answers.find((a) => !a.ok);
  if (refused && take)
    await Promise.all(ids.map((id, i) => answers[i]?.ok && uploadSession(env, id).release(final)));
  return answers.map((a) => unwrap(a));
}
