// tus 1.0.0 at /v1/tus (https://tus.io/protocols/resumable-upload): creation here, in the Worker, where
// everything checkable is checked before a byte is stored; HEAD/PATCH/DELETE in the upload's Durable
// Object, which owns its bytes. Authorized by a gateway key, or by a signed upload URL's token (its
// constraints apply at creation; its expiry too, but not to the PATCHes of an upload already created).
import type { IRequest } from "itty-router";
import { chunkReader } from "../../core/bytes";
import { type Env, maxRequestBytes, publicOrigin } from "../../core/config";
import { bodyError, GatewayError, tooLarge, unwrap } from "../../core/errors";
import { LIMITS } from "../../core/limits";
import { essence } from "../../core/media";
import { REQUEST_ID_HEADER } from "../../core/request-id";
import type { ProviderId } from "../../providers/kit/capability";
import { demandProvider, fileLimitOf } from "../../services/keys/scope";
import { minterOf } from "../../services/keys/store";
import { parseKeepDays } from "../../services/originals/days";
import { chargeQuota } from "../../services/quota/hold";
import {
  CALLER_HEADER,
  type Caller,
  type TusUpload,
  type UploadRecord,
  uploadSession,
} from "../../services/sessions/session";
import { type Claims, claimedId, verify } from "../../services/sessions/token";
import { newStaging } from "../../services/staging/rechunk";
import { stagedKey } from "../../services/staging/staged";
import { plan } from "../../services/tus/plan";
import {
  intHeader,
  OFFSET_OCTET_STREAM,
  parseMetadata,
  TUS_CHECKSUMS,
  TUS_EXTENSIONS,
  TUS_VERSION,
  tusHeaders,
} from "../../services/tus/protocol";
import { hexDigest, oneDigest } from "../../services/upload/digest";
import { keepDaysFor } from "../../services/upload/kept";
import { withAuth, withScope } from "../auth";
import { ownerIn, type Vars } from "../context";

/** tus answers, errors included, carry Tus-Resumable (the router's last step for every answer). */
export function tusify(response: Response, request: IRequest): Response {
  if (!new URL(request.url).pathname.startsWith("/v1/tus")) return response;
  const out = new Response(response.body, response);
  out.headers.set("tus-resumable", TUS_VERSION);
  return out;
}

/** OPTIONS: what this server speaks (also answers CORS preflights; see cors.ts). */
export function tusOptions(): Response {
  return new Response(null, {
    status: 204,
    headers: tusHeaders({
      "tus-version": TUS_VERSION,
      "tus-extension": TUS_EXTENSIONS,
      "tus-max-size": String(LIMITS.resumableMaxBytes),
      "tus-checksum-algorithm": TUS_CHECKSUMS,
    }),
  });
}

function requireTusVersion(request: Request): void {
  if (request.headers.get("tus-resumable") !== TUS_VERSION) {
    throw new GatewayError("unsupported_tus_version", `Send Tus-Resumable: ${TUS_VERSION}.`, {
      headers: { "tus-version": TUS_VERSION },
    });
  }
}

/**
 * A token's claims (from ?token=), or undefined after a gateway key with the upload action has been
 * checked. Either way vars.principal is who the upload counts against (a ticket's minting key, as it is
 * now: revoked, its tickets are refused too).
 */
async function authorize(
  request: IRequest,
  env: Env,
  vars: Vars,
  id: string | undefined,
): Promise<Claims | undefined> {
  const token = new URL(request.url).searchParams.get("token");
  if (token === null) {
    await withAuth(request, env, undefined, vars);
    withScope("upload")(request, env, undefined, vars);
    return undefined;
  }
  if (!env.SIGNING_SECRET) throw new GatewayError("invalid_token", "This upload URL is not valid.");
  // After creation the upload's own expiry governs, so a long upload outlives its token.
  const claims = await verify(
    token,
    id ?? claimedId(token),
    env.SIGNING_SECRET,
    id === undefined ? Date.now() : null,
  );
  const minter = await minterOf(env.DB, claims);
  if (minter) vars.principal = minter;
  return claims;
}

/** Checks a PATCH-like body's headers before it reaches the Durable Object. */
function checkBody(request: Request, env: Env): void {
  if (essence(request.headers.get("content-type")) !== OFFSET_OCTET_STREAM) {
    throw new GatewayError("wrong_content_type", `PATCH bodies are ${OFFSET_OCTET_STREAM}.`);
  }
  const length = intHeader(request.headers, "content-length");
  if (length === undefined) throw new GatewayError("length_required", "Send Content-Length with each PATCH.");
  const limit = maxRequestBytes(env);
  if (length > limit) {
    const detail = `One request carries at most ${limit} bytes: send smaller PATCHes (chunkSize)`;
    throw tooLarge({ bytes: limit, detail }, length);
  }
}

/**
 * Forwards a tus request to the upload's Durable Object. A PATCH body is piped through a stream of its
 * declared length (known, so the object still sees Content-Length), and the pipe is stopped once the object
 * has answered: the object reads nothing after that, and what it left unread (a refused PATCH's whole body)
 * is left to the lingering close (http/linger.ts), which drops it within bounds so the refusal reaches a
 * client still sending; cancelled, the body closed the connection under it and Node clients saw EPIPE
 * instead of the 409. Forwarding request.body itself left the runtime's own pump reading the client's
 * stream after the answer had gone: "Uncaught TypeError: Can't read from request stream after response has
 * been sent" on every refused PATCH. HEAD and DELETE forward no body.
 */
async function toSession(
  env: Env,
  id: string,
  request: Request,
  method: string,
  given: Headers,
  caller: Caller,
  vars: Vars,
): Promise<Response> {
  const url = new URL(`/v1/tus/${id}`, request.url);
  // Who asks, as the object checks it, and the request's id, as the object answers and logs it (both set
  // here, over anything the client sent under those names).
  const headers = new Headers(given);
  headers.set(CALLER_HEADER, JSON.stringify(caller));
  headers.set(REQUEST_ID_HEADER, vars.requestId);
  const session = uploadSession(env, id);
  const body = method === "PATCH" ? request.body : null;
  if (!body) return session.fetch(url.href, { method, headers });
  const through = new FixedLengthStream(intHeader(headers, "content-length") ?? 0);
  // The pipe by hand, not pipeTo: a pipe stopped while a write waits on an object that will read no more
  // never lets go of the body, and the lingering close can only drain a body let go of. Each write is
  // awaited before the next read (the reader's ring of buffers relies on it: core/bytes.ts, recycle).
  const reader = chunkReader(body, { recycle: true });
  const writer = through.writable.getWriter();
  writer.closed.catch(() => {});
  let stopped = false;
  let broken: unknown;
  const piped = (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        vars.reported.received = (vars.reported.received ?? 0) + value.byteLength;
        await writer.write(value);
      }
      await writer.close();
    } catch (error) {
      if (!stopped) broken = error;
      await writer.abort(error).catch(() => {});
    }
  })();
  try {
    return await session.fetch(url.href, { method, headers, body: through.readable });
  } catch (error) {
    // The object's request failed while the client's body was flowing into it: the body broke off or ran
    // past its Content-Length (the length-bound stream refuses the extra bytes, and the object's request
    // fails with "Network connection lost"). The client's fault, a 400; the cause goes to the logs.
    await Promise.race([piped, scheduler.wait(50)]);
    throw bodyError(broken ?? error);
  } finally {
    stopped = true;
    // A lingering body is let go of, not cancelled (core/bytes.ts chunkReader), before the answer is sent.
    await reader.cancel().catch(() => {});
    writer.abort(new Error("the upload's object has answered")).catch(() => {});
  }
}

export async function tusCreate(request: IRequest, env: Env, _ctx: unknown, vars: Vars): Promise<Response> {
  requireTusVersion(request);
  const origin = publicOrigin(request, env);
  const claims = await authorize(request, env, vars, undefined);
  if (request.headers.has("upload-defer-length")) {
    throw new GatewayError("invalid_field", "Upload-Defer-Length is not supported: send Upload-Length.");
  }
  const length = intHeader(request.headers, "upload-length");
  if (length === undefined) throw new GatewayError("invalid_field", "Send Upload-Length.");
  if (length === 0) throw new GatewayError("no_file_uploaded", "The upload is empty.");
  const withUpload = request.body !== null && (request.headers.get("content-type") ?? "") !== "";
  if (withUpload) checkBody(request, env);
  const metadata = parseMetadata(request.headers.get("upload-metadata"));
  const p = plan(metadata, length, claims, env);
  vars.reported.provider = p.providers.join(",");
  const principal = vars.principal;
  if (principal) for (const provider of p.providers) demandProvider(principal, provider);
  const keyLimit = fileLimitOf(principal);
  if (keyLimit && length > keyLimit.bytes) throw tooLarge(keyLimit, length);
  // keep_days (a ticket fixes it; else the project's): the staged object becomes the original (reuse.md).
  const keep = parseKeepDays(metadata.keep_days);
  const owner = claims ? claims.owner : ownerIn(vars);
  const keepDays = await keepDaysFor(env.DB, owner, keep, claims && (claims.keep_days ?? null));
  // A resumable upload counts against its quotas when it is created, for its whole Upload-Length: it may
  // take days, so it holds no concurrent slot; an abandoned one is not refunded (docs/keys.md).
  const rateLimit = await chargeQuota(env, principal, length, vars.requestId);
  const sha256 = oneDigest(
    metadata.sha256 === undefined ? undefined : hexDigest(metadata.sha256, 'Upload-Metadata "sha256"'),
    claims?.sha256,
  );

  const id = claims?.id ?? crypto.randomUUID();
  const now = Date.now();
  const tus: TusUpload = {
    staging: newStaging(stagedKey(id), length),
    file: { name: p.name, ...p.type, size: length },
    providers: p.providers,
    options: p.options,
    expiresAt: now + LIMITS.tusExpiryMs,
    origin,
    ...(claims ? (claims.owner === undefined ? {} : { owner: claims.owner }) : { owner: ownerIn(vars) }),
    ...(principal ? { key: principal.keyId } : {}),
    ...(sha256 === undefined ? {} : { sha256 }),
    ...(keepDays > 0 ? { keepDays } : {}),
  };
  const record: UploadRecord = {
    id,
    provider: p.providers[0] as ProviderId,
    status: "receiving",
    created_at: new Date(now).toISOString(),
    expires_at: new Date(tus.expiresAt).toISOString(),
    metadata: null,
  };
  try {
    unwrap(await uploadSession(env, id).tusCreate(record, tus, claims !== undefined));
  } catch (error) {
    await request.body?.cancel().catch(() => {});
    throw error;
  }
  const location = new URL(`/v1/tus/${id}`, origin);
  const token = new URL(request.url).searchParams.get("token");
  if (token) location.searchParams.set("token", token);
  const headers = tusHeaders({
    location: location.href,
    "upload-expires": new Date(tus.expiresAt).toUTCString(),
    ...rateLimit,
  });
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

/** HEAD, PATCH, DELETE /v1/tus/:id. */
export const tusResource = (request: IRequest, env: Env, _ctx: unknown, vars: Vars) =>
  resource(request, env, vars, request.method);

/** A request to an upload, as `method` (the request's own, or the one a POST stands for). */
async function resource(request: IRequest, env: Env, vars: Vars, method: string): Promise<Response> {
  requireTusVersion(request);
  const id = request.params.id ?? "";
  const claims = await authorize(request, env, vars, id);
  if (claims && claims.id !== id) throw new GatewayError("invalid_token", "This upload URL is not valid.");
  if (method === "PATCH") checkBody(request, env);
  const caller: Caller = claims ? { upload: claims.id } : { owner: ownerIn(vars) };
  return toSession(env, id, request, method, request.headers, caller, vars);
}

/**
 * POST /v1/tus/:id with X-HTTP-Method-Override: PATCH or DELETE, for clients that cannot send those
 * methods (tus-js-client's overridePatchMethod; the tus protocol's "X-HTTP-Method-Override" section).
 */
export function tusOverride(request: IRequest, env: Env, _ctx: unknown, vars: Vars): Promise<Response> {
  const method = request.headers.get("x-http-method-override")?.trim().toUpperCase() ?? "";
  if (method !== "PATCH" && method !== "DELETE") {
    throw new GatewayError(
      "method_not_allowed",
      method
        ? `X-HTTP-Method-Override: ${method} is not supported here; use PATCH or DELETE.`
        : "POST to an upload needs X-HTTP-Method-Override: PATCH or DELETE.",
      { headers: { allow: "HEAD, PATCH, DELETE, POST" } },
    );
  }
  return resource(request, env, vars, method);
}

/** POST /v1/uploads/:id/retry (gateway key): deliver a staged file again. */
export async function retryUpload(request: IRequest, env: Env, _ctx: unknown, vars: Vars): Promise<Response> {
  const id = request.params.id ?? "";
  const caller = { owner: ownerIn(vars) };
  const session = uploadSession(env, id);
  return Response.json(unwrap(await session.retry(new URL(request.url).pathname, caller, vars.requestId)));
}
