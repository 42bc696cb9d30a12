// The event log and webhook endpoints (services/events): GET /v1/events, GET /v1/events/{id} (events:read);
// POST /v1/events/{id}/resend and POST/GET/DELETE /v1/webhooks (webhooks:admin) — all within the caller's
// project; another project's event or endpoint is answered as an unknown one.
import type { IRequest } from "itty-router";
import type { Env } from "../../core/config";
import { GatewayError } from "../../core/errors";
import { LIMITS } from "../../core/limits";
import { type EventType, getEvent, listEvents, resendEvent } from "../../services/events/log";
import { checkWebhookUrl } from "../../services/events/send";
import { createWebhook, deleteWebhook, EVENT_TYPES, listWebhooks } from "../../services/events/webhooks";
import { signingSecret } from "../../services/keys/store";
import { ownerIn, type Vars } from "../context";
import { readJsonObject } from "../json";
import { badField, pageLimit, readQuery } from "../query";
import { validateBody } from "../schema";

const idOf = (request: IRequest) => request.params.id ?? "";

export async function listEventsRoute(request: IRequest, env: Env, _ctx: unknown, vars: Vars) {
  const q = readQuery(new URL(request.url), ["type", "upload_id", "limit", "cursor"]);
  if (q.type !== undefined && !EVENT_TYPES.includes(q.type as EventType))
    throw badField(`"type" is one of ${EVENT_TYPES.join(", ")}.`, "type");
  if (q.upload_id !== undefined && q.upload_id.length > LIMITS.eventFilterLength)
    throw badField(
      `"upload_id" is an upload's id (at most ${LIMITS.eventFilterLength} characters).`,
      "upload_id",
    );
  return Response.json(
    await listEvents(env.DB, ownerIn(vars), {
      type: q.type as EventType | undefined,
      uploadId: q.upload_id,
      limit: pageLimit(q.limit),
      cursor: q.cursor,
    }),
  );
}

export async function getEventRoute(request: IRequest, env: Env, _ctx: unknown, vars: Vars) {
  return Response.json(await getEvent(env.DB, ownerIn(vars), idOf(request)));
}

export async function resendEventRoute(request: IRequest, env: Env, _ctx: unknown, vars: Vars) {
  return Response.json(await resendEvent(env, ownerIn(vars), idOf(request), vars.requestId), { status: 202 });
}

export async function createWebhookRoute(request: IRequest, env: Env, _ctx: unknown, vars: Vars) {
  const secret = signingSecret(env);
  const body = validateBody("CreateWebhook", await readJsonObject(request));
  // Where deliveries may go: the guard callbacks pass (https to a public host), checked again on each attempt.
  const check = checkWebhookUrl(body.url, env);
  if (!check.ok) throw badField(`"url" ${check.reason} (rule: ${check.rule}).`, "url");
  const created = await createWebhook(env.DB, secret, ownerIn(vars), check.url.href, body.events);
  return Response.json(created, { status: 201, headers: { "cache-control": "no-store" } });
}

export async function listWebhooksRoute(_request: IRequest, env: Env, _ctx: unknown, vars: Vars) {
  return Response.json({ data: await listWebhooks(env.DB, ownerIn(vars)) });
}

export async function deleteWebhookRoute(request: IRequest, env: Env, _ctx: unknown, vars: Vars) {
  const removed = await deleteWebhook(env.DB, ownerIn(vars), idOf(request));
  if (!removed)
    throw new GatewayError("not_found", `No webhook endpoint "${idOf(request)}" in this project.`);
  return Response.json(removed);
}
