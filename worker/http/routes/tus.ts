// tus 1.0.0 at /v1/tus (https://tus.io/protocols/resumable-upload): creation here, in the Worker, where
// everything checkable is checked before a byte is stored; HEAD/PATCH/DELETE in the upload's Durable
// Object, which owns its bytes. Authorized by a gateway key, or by a signed upload URL's token (its
// constraints apply at creation; its expiry too, but not to the PATCHes of an upload already created).
import type { IRequest } from "itty-router";
import { chunkReader } from "../../core/bytes";
import { type Env, maxRequestBytes } from "../../core/config";
import { bodyError, GatewayError, tooLarge, unwrap } from "../../core/errors";
import { LIMITS } from "../../core/limits";
import { essence } from "../../core/media";
import { REQUEST_ID_HEADER } from "../../core/request-id";
import { minterOf } from "../../services/keys/store";
import { holdQuota } from "../../services/quota/hold";
import {
  CALLER_HEADER,
  type Caller,
  type UploadRecord,
  uploadSession,
} from "../../services/sessions/session";
import { type Claims, claimedId, verify } from "../../services/sessions/token";
import {
  intHeader,
  LENGTH_DECLARED,
  OFFSET_OCTET_STREAM,
  TUS_CHECKSUMS,
  TUS_EXTENSIONS,
  TUS_VERSION,
  tusHeaders,
} from "../../services/tus/protocol";
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

export function requireTusVersion(request: Request): void {
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
export async function authorize(
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
export function checkBody(request: Request, env: Env): void {
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
export async function toSession(
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
  // A deferred upload (creation-defer-length) counts against quotas when a PATCH declares its length:
  // reserved before, kept only if the upload's object says this PATCH declared it.
  const length = await declaring(env, id, caller, request, method);
  const hold =
    length === undefined ? undefined : await holdQuota(env, vars.principal, length, vars.requestId);
  const answer = await toSession(env, id, request, method, request.headers, caller, vars).catch(async (e) => {
    await hold?.settle(0);
    throw e;
  });
  const declared = answer.headers.has(LENGTH_DECLARED);
  await hold?.settle(declared ? (length ?? 0) : 0);
  if (!declared) return answer;
  const out = new Response(answer.body, answer);
  out.headers.delete(LENGTH_DECLARED);
  for (const [name, value] of Object.entries(hold?.headers ?? {})) out.headers.set(name, value);
  return out;
}

/** The Upload-Length a PATCH declares for an upload whose length is not known yet; a repeat holds nothing. */
async function declaring(env: Env, id: string, caller: Caller, request: Request, method: string) {
  const length = method === "PATCH" ? intHeader(request.headers, "upload-length") : undefined;
  if (length === undefined) return undefined;
  // A status without a length: a deferred upload (records/record.ts current).
  const status = (await uploadSession(env, id).status(caller)) as UploadRecord | null;
  return status && status.length === undefined ? length : undefined;
}

/** POST /v1/uploads/:id/retry (gateway key): deliver a staged file again. */
export async function retryUpload(request: IRequest, env: Env, _ctx: unknown, vars: Vars): Promise<Response> {
  const id = request.params.id ?? "";
  const caller = { owner: ownerIn(vars) };
  const session = uploadSession(env, id);
  return Response.json(unwrap(await session.retry(new URL(request.url).pathname, caller, vars.requestId)));
}
