// Signed upload URLs for apps that hold no key:
//   POST /v1/uploads            (gateway key)  → { id, upload_url, … }
//   PUT|POST /v1/uploads/:id/file?token=…      the app sends the file
//   GET /v1/uploads/:id         (gateway key)  → status, result or error
import type { IRequest } from "itty-router";
import type { components } from "../../../generated/gateway";
import type { Env } from "../../core/config";
import { asGatewayError, GatewayError, isGatewayError } from "../../core/errors";
import { LIMITS } from "../../core/limits";
import { configured } from "../../providers/config";
import { capability, isProviderId, resumableLimit } from "../../providers/registry";
import { claimRefused, type UploadRecord, uploadSession } from "../../services/sessions/session";
import { type Claims, sign, verify } from "../../services/sessions/token";
import { checkContentTypes, receive } from "../../services/upload/receive";
import { type Options, validateName, validateOptions } from "../../services/upload/validate";

type CreateUpload = components["schemas"]["CreateUpload"];
type UploadTicket = components["schemas"]["UploadTicket"];

const DEFAULT_EXPIRES_IN = LIMITS.defaultTicketSeconds;
const MAX_EXPIRES_IN = LIMITS.maxTicketSeconds;
const MAX_METADATA_BYTES = LIMITS.metadataBytes;
const MAX_CREATE_BYTES = LIMITS.jsonBodyBytes;
const MEDIA_RANGE = /^[a-z0-9][a-z0-9!#$&^_.+-]*\/(\*|[a-z0-9][a-z0-9!#$&^_.+-]*)$/i;
const FIELDS = new Set<string>([
  "provider",
  "filename",
  "content_type",
  "max_bytes",
  "purpose",
  "user",
  "account",
  "expires_in",
  "callback_url",
  "metadata",
] satisfies (keyof CreateUpload)[]);

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

function positive(value: unknown, name: string, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1 || value > max) {
    throw bad(`"${name}" must be an integer from 1 to ${max}.`);
  }
  return value;
}

function callbackUrl(value: unknown): string | null {
  if (value === undefined) return null;
  let url: URL;
  try {
    url = new URL(String(value));
  } catch {
    throw bad('"callback_url" is not a URL.');
  }
  const local = ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && local)) {
    throw bad('"callback_url" must be https (or http to localhost, for development).');
  }
  return url.href;
}

/** Reads and checks a CreateUpload body into token claims and what the status document keeps. */
async function readCreate(request: Request) {
  const length = Number(request.headers.get("content-length") ?? "0");
  if (length > MAX_CREATE_BYTES)
    throw new GatewayError("malformed_body", "The request is larger than 16 KiB.");
  let body: Record<string, unknown>;
  try {
    body = await request.json();
  } catch {
    throw new GatewayError("malformed_body", "Send a JSON object.");
  }
  if (typeof body !== "object" || body === null || Array.isArray(body))
    throw new GatewayError("malformed_body", "Send a JSON object.");
  for (const key of Object.keys(body)) if (!FIELDS.has(key)) throw bad(`Unknown field "${key}".`);

  const provider = String(body.provider ?? "");
  if (!isProviderId(provider))
    throw bad(`"provider" must be one of jimmy, dify, minimax, useapi, wavespeed; got "${provider}".`);
  const cap = capability(provider);
  const given: Options = {};
  for (const name of ["purpose", "user", "account"] as const) {
    if (body[name] !== undefined) given[name] = String(body[name]);
  }
  const fixed = validateOptions(cap, given, false);
  const types = body.content_type === undefined ? [] : [body.content_type].flat();
  if (
    types.length > LIMITS.contentTypes ||
    !types.every((t) => typeof t === "string" && MEDIA_RANGE.test(t))
  ) {
    throw bad('"content_type" must be a media type, a wildcard like image/*, or a list of up to 20.');
  }
  const contentTypes = (types as string[]).map((t) => t.toLowerCase());
  const filename = body.filename === undefined ? undefined : String(body.filename);
  if (filename !== undefined) {
    if (!filename) throw bad('"filename" is empty.');
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
  const limit = resumableLimit(cap);
  const maxBytes = positive(body.max_bytes, "max_bytes", limit, limit);
  const expiresIn = positive(body.expires_in, "expires_in", MAX_EXPIRES_IN, DEFAULT_EXPIRES_IN);
  const metadata = body.metadata ?? null;
  if (metadata !== null && (typeof metadata !== "object" || Array.isArray(metadata)))
    throw bad('"metadata" must be an object.');
  if (JSON.stringify(metadata).length > MAX_METADATA_BYTES)
    throw bad(`"metadata" is over ${MAX_METADATA_BYTES} bytes as JSON.`);

  const claims: Claims = {
    v: 1,
    id: crypto.randomUUID(),
    provider,
    exp: Math.floor(Date.now() / 1000) + expiresIn,
    max_bytes: maxBytes,
    content_types: contentTypes,
    fixed,
    ...(filename === undefined ? {} : { filename }),
  };
  return {
    claims,
    metadata: metadata as Record<string, unknown> | null,
    callback: callbackUrl(body.callback_url),
  };
}

export async function createUpload(request: IRequest, env: Env): Promise<Response> {
  const key = secret(env);
  const { claims, metadata, callback } = await readCreate(request);
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
  await uploadSession(env, claims.id).create(record, callback);
  const token = await sign(claims, key);
  const url = new URL(`/v1/uploads/${claims.id}/file`, request.url);
  url.searchParams.set("token", token);
  const tusUrl = new URL("/v1/tus", request.url);
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
  };
  return Response.json(ticket, { status: 201 });
}

export async function getUpload(request: IRequest, env: Env): Promise<Response> {
  const id = request.params.id ?? "";
  const record = await uploadSession(env, id).status();
  if (!record) throw new GatewayError("not_found", `No upload "${id}".`);
  return Response.json(record);
}

/** The app's upload to a signed URL: verified, claimed (single use), received under the token's policy. */
export async function uploadWithToken(request: IRequest, env: Env): Promise<Response> {
  const id = request.params.id ?? "";
  const token = new URL(request.url).searchParams.get("token");
  if (!token || !env.SIGNING_SECRET) throw new GatewayError("invalid_token", "This upload URL is not valid.");
  const claims = await verify(token, id, env.SIGNING_SECRET);
  const config = configured(env, claims.provider);
  const upload = uploadSession(env, id);
  const claim = await upload.begin();
  if (!claim.ok) {
    await request.body?.cancel().catch(() => {});
    throw claimRefused(claim.reason);
  }
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
      },
    });
    await upload.finish({ result });
    return Response.json(result, { status: 201 });
  } catch (error) {
    await upload.finish({ error: asGatewayError(error).toProblem(new URL(request.url).pathname) });
    throw error;
  }
}
