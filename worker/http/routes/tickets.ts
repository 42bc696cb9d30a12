// Signed upload URLs for apps that hold no key:
//   POST /v1/uploads            (gateway key)  → { id, upload_url, … }
//   PUT|POST /v1/uploads/:id/file?token=…      the app sends the file
//   GET /v1/uploads/:id         (gateway key)  → status, result or error
import type { IRequest } from "itty-router";
import type { components } from "../../../generated/gateway";
import { type Env, publicOrigin } from "../../core/config";
import { asGatewayError, GatewayError, isGatewayError, unwrap } from "../../core/errors";
import { LIMITS } from "../../core/limits";
import { baseName } from "../../core/media";
import { configured } from "../../providers/config";
import { optionsIn } from "../../providers/kit/capability";
import { capability, isProviderId, resumableLimit } from "../../providers/table";
import { demandProvider, fileLimitOf } from "../../services/keys/scope";
import { minterOf } from "../../services/keys/store";
import { asResult, findLive } from "../../services/registry/files";
import { checkCallbackUrl } from "../../services/sessions/callback";
import { type UploadRecord, uploadSession } from "../../services/sessions/session";
import { type Claims, sign, verify } from "../../services/sessions/token";
import { refuseOtherFields } from "../../services/upload/advice";
import { checkContentTypes } from "../../services/upload/policy";
import { httpStatusOf, receive } from "../../services/upload/receive";
import { tighter, validateName, validateOptions } from "../../services/upload/validate";
import { need, ownerIn, type Vars } from "../context";
import { readJsonObject } from "../json";
import { validateBody } from "../schema";

type UploadTicket = components["schemas"]["UploadTicket"];

const bad = (detail: string) => new GatewayError("invalid_field", detail);

function secret(env: Env): string {
  if (!env.SIGNING_SECRET) {
    throw new GatewayError(
      "signing_not_configured",
      "Set the SIGNING_SECRET secret to issue signed upload URLs.",
    );
  }
  return env.SIGNING_SECRET;
}

/** The callback URL, normalized, if the outbound-URL guard lets it through (core/url-guard.ts). */
function callbackUrl(value: string | undefined, env: Env): string | null {
  if (value === undefined) return null;
  const check = checkCallbackUrl(value, env);
  if (!check.ok) throw bad(`"callback_url" ${check.reason} (rule: ${check.rule}).`);
  return check.url.href;
}

/**
 * Reads a CreateUpload body into token claims and what the status document keeps. The schema
 * (specs/gateway.yaml, http/schema.ts) settles types, enums and bounds; what depends on the provider
 * (its fields, extensions and size limit), metadata's size as JSON and the callback URL's host are here.
 */
async function readCreate(request: IRequest, env: Env, vars: Vars) {
  const json = await readJsonObject(request);
  // The provider's own fields before the schema, whose enums are another provider's (MiniMax's purposes).
  // Its `metadata` is the ticket's own (echoed in the status and callbacks), not Replicate's option of that
  // name, which a ticket does not fix: the upload sends it.
  if (typeof json.provider === "string" && isProviderId(json.provider)) {
    const { metadata: _own, ...options } = json;
    refuseOtherFields(capability(json.provider), options);
  }
  const body = validateBody("CreateUpload", json);
  const minter = need(vars, "principal");
  demandProvider(minter, body.provider);
  const cap = capability(body.provider);
  const fixed = validateOptions(cap, optionsIn(body), "json", false);
  const types = body.content_type === undefined ? [] : [body.content_type].flat();
  const contentTypes = types.map((t) => t.toLowerCase());
  const filename = body.filename === undefined ? undefined : baseName(body.filename);
  if (filename !== undefined) {
    try {
      // A fixed filename the content types would refuse makes a URL no upload could use.
      checkContentTypes(validateName(cap, filename, undefined, fixed), contentTypes);
    } catch (error) {
      // A request to create an upload is not itself a media upload: its problems are all 400s.
      if (!isGatewayError(error)) throw error;
      throw new GatewayError("invalid_field", `"filename": ${error.message}`, { extras: error.extras });
    }
  }
  // The provider's own limit: tus_url takes files that large; a single PUT is also bounded by MAX_REQUEST_BYTES.
  // A ticket never exceeds its key's scope: nor the key's max_file_bytes.
  const limit = tighter({ bytes: resumableLimit(cap), detail: `${cap.name}'s limit` }, fileLimitOf(minter));
  if (body.max_bytes !== undefined && limit && body.max_bytes > limit.bytes)
    throw bad(`"max_bytes" must be at most ${limit.bytes}: ${limit.detail}.`);
  const metadata = body.metadata ?? null;
  if (new TextEncoder().encode(JSON.stringify(metadata)).byteLength > LIMITS.metadataBytes)
    throw bad(`"metadata" is over ${LIMITS.metadataBytes} bytes as JSON.`);

  const claims: Claims = {
    v: 1,
    id: crypto.randomUUID(),
    provider: body.provider,
    exp: Math.floor(Date.now() / 1000) + (body.expires_in ?? LIMITS.defaultTicketSeconds),
    max_bytes: body.max_bytes ?? limit?.bytes ?? resumableLimit(cap),
    content_types: contentTypes,
    fixed,
    ...(filename === undefined ? {} : { filename }),
    owner: minter.project,
    key: minter.keyId,
    ...(body.sha256 === undefined ? {} : { sha256: body.sha256.toLowerCase() }),
    ...(body.keep_days === undefined ? {} : { keep_days: body.keep_days }),
  };
  return { claims, metadata, callback: callbackUrl(body.callback_url, env) };
}

export async function createUpload(
  request: IRequest,
  env: Env,
  _ctx: unknown,
  vars: Vars,
): Promise<Response> {
  const key = secret(env);
  const origin = publicOrigin(request, env);
  const { claims, metadata, callback } = await readCreate(request, env, vars);
  configured(env, claims.provider);
  const expiresAt = new Date(claims.exp * 1000).toISOString();
  const record: UploadRecord = {
    id: claims.id,
    provider: claims.provider,
    status: "pending",
    created_at: new Date().toISOString(),
    expires_at: expiresAt,
    metadata,
  };
  unwrap(await uploadSession(env, claims.id).create(record, callback, claims.owner));
  const token = await sign(claims, key);
  const url = new URL(`/v1/uploads/${claims.id}/file`, origin);
  url.searchParams.set("token", token);
  const tusUrl = new URL("/v1/tus", origin);
  tusUrl.searchParams.set("token", token);
  const single = claims.content_types.length === 1 && !claims.content_types[0]?.endsWith("/*");
  const ticket: UploadTicket = {
    id: claims.id,
    upload_url: url.href,
    tus_url: tusUrl.href,
    method: "PUT",
    headers: single ? { "content-type": claims.content_types[0] ?? "" } : {},
    expires_at: expiresAt,
    max_bytes: claims.max_bytes,
    ...(claims.filename === undefined ? {} : { filename: claims.filename }),
  };
  if (claims.sha256 !== undefined && claims.owner !== undefined) {
    // Already uploaded (a live record for this provider, digest and options): the app may skip the upload.
    const live = await findLive(env.DB, claims.owner, claims.provider, claims.sha256, claims.fixed);
    if (live) ticket.existing = asResult(live);
  }
  return Response.json(ticket, { status: 201 });
}

export async function getUpload(request: IRequest, env: Env, _ctx: unknown, vars: Vars): Promise<Response> {
  const id = request.params.id ?? "";
  // Another key's upload is answered as an unknown one: the same 404, so ids leak nothing.
  const record = await uploadSession(env, id).status({ owner: ownerIn(vars) });
  if (!record) throw new GatewayError("not_found", `No upload "${id}".`);
  return Response.json(record);
}

/** The app's upload to a signed URL: verified, claimed (single use), received under the token's policy. */
export async function uploadWithToken(
  request: IRequest,
  env: Env,
  ctx: ExecutionContext,
  vars: Vars,
): Promise<Response> {
  const id = request.params.id ?? "";
  const token = new URL(request.url).searchParams.get("token");
  if (!token || !env.SIGNING_SECRET) throw new GatewayError("invalid_token", "This upload URL is not valid.");
  const claims = await verify(token, id, env.SIGNING_SECRET);
  vars.reported.provider = claims.provider;
  // Its key as it is now: revoked or expired, the URL is refused before anything is claimed.
  const principal = await minterOf(env.DB, claims);
  if (principal) vars.principal = principal;
  const config = configured(env, claims.provider);
  const upload = uploadSession(env, id);
  const lease = crypto.randomUUID();
  // Refused (in use, already used) while the client may still be sending: the answer lingers and the unread
  // body drains (http/linger.ts).
  unwrap(await upload.begin(lease, claims.owner));
  // The claim is renewed as bytes arrive; if it was lost meanwhile (it lapsed and the URL was used
  // again), this upload is cut rather than delivered twice.
  const lost = new AbortController();
  const answer = new Headers();
  let renewedAt = Date.now();
  const onProgress = () => {
    if (Date.now() - renewedAt < LIMITS.heartbeatEveryMs) return;
    renewedAt = Date.now();
    upload.renew(lease).then(
      (r) => r.ok || lost.abort(new GatewayError("token_used", "This upload's claim on the URL lapsed.")),
      () => {},
    );
  };
  try {
    const result = await receive(request, env, {
      id,
      provider: claims.provider,
      config,
      policy: {
        maxBytes: claims.max_bytes,
        contentTypes: claims.content_types,
        fixed: claims.fixed,
        ...(claims.filename === undefined ? {} : { filename: claims.filename }),
        ...(claims.sha256 === undefined ? {} : { sha256: claims.sha256 }),
        ...(claims.keep_days === undefined ? {} : { keepDays: claims.keep_days }),
      },
      watch: { onProgress, signal: lost.signal },
      owner: claims.owner,
      principal,
      defer: (work) => ctx.waitUntil(work),
      answer,
      requestId: vars.requestId,
      onArrival: (received) => {
        vars.reported.received = received;
      },
    });
    unwrap(await upload.finish(lease, { result }));
    return Response.json(result, { status: httpStatusOf(result), headers: answer });
  } catch (error) {
    const problem = asGatewayError(error, vars.requestId).toProblem(new URL(request.url).pathname);
    await upload.finish(lease, { error: problem });
    throw error;
  }
}
