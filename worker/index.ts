// Mediagate: the routes, as a table. Middleware (`with*`) runs in order; the first to return a response
// or throw ends the chain, and every throw becomes an RFC 9457 problem.
import { type IRequest, Router } from "itty-router";
import { lingers } from "./core/body";
import type { Env } from "./core/config";
import { GatewayError, problemResponse } from "./core/errors";
import { log } from "./core/log";
import { identify, logAccess, varsFor } from "./http/access";
import { withAuth, withScope } from "./http/auth";
import type { Args } from "./http/context";
import { corsify, preflight, withPreflight } from "./http/cors";
import { answer, lingerOn } from "./http/linger";
import { serveContent } from "./http/routes/content";
import { copyFile, refreshFile } from "./http/routes/copies";
import {
  createWebhookRoute,
  deleteWebhookRoute,
  getEventRoute,
  listEventsRoute,
  listWebhooksRoute,
  resendEventRoute,
} from "./http/routes/events";
import { deleteRegistryFile, getRegistryFile, listRegistry } from "./http/routes/file-registry";
import {
  createKeyRoute,
  getProjectRoute,
  listAuditRoute,
  listKeysRoute,
  revokeKeyRoute,
  setProjectRoute,
} from "./http/routes/keys";
import { health, listProviders } from "./http/routes/meta";
import { uploadFile, withProvider } from "./http/routes/provider-files";
import { createUpload, getUpload, uploadWithToken } from "./http/routes/tickets";
import { retryUpload, tusify, tusOptions, tusResource } from "./http/routes/tus";
import { tusCreate } from "./http/routes/tus-create";
import { tusOverride, withMethodOverride } from "./http/routes/tus-override";
import { getUsage } from "./http/routes/usage";
import { handleEventBatch } from "./services/events/consumer";
import { noteExpired, requeueUnsent } from "./services/events/expired";
import type { EventMessage } from "./services/events/log";
import { keptUploads } from "./services/originals/store";
import { sweepOriginals } from "./services/originals/sweep";
import { sweep } from "./services/staging/cleanup";

export { ProjectQuota } from "./services/quota/project";
export { UploadSession } from "./services/sessions/session";

const notFound = (request: IRequest): never => {
  throw new GatewayError("not_found", `No route for ${request.method} ${new URL(request.url).pathname}.`);
};
const methodNotAllowed =
  (allow: string) =>
  (request: IRequest): never => {
    throw new GatewayError("method_not_allowed", `${request.method} is not allowed here; use ${allow}.`, {
      headers: { allow },
    });
  };

/**
 * A refusal leaves no body half-read: one of declared length is left to the lingering close (http/linger.ts),
 * which drains it within bounds so the answer reaches a client still sending; any other unread body is
 * cancelled, so the runtime stops receiving it.
 */
function discardBody(request: IRequest): void {
  const body = request.body;
  if (body && !request.bodyUsed && !body.locked && !lingers(body)) body.cancel().catch(() => {});
}

export const router = Router<IRequest, Args>({
  catch: (error, request, _env, _ctx, vars) => {
    discardBody(request);
    return problemResponse(error, new URL(request.url).pathname, {}, vars.requestId);
  },
  finally: [tusify, corsify, identify],
});

router
  .get("/healthz", health)
  // Signed upload URLs: the token is the credential (no gateway key), and browsers call them.
  .options("/v1/uploads/:id/file", preflight)
  .put("/v1/uploads/:id/file", uploadWithToken)
  .post("/v1/uploads/:id/file", uploadWithToken)
  .all("/v1/uploads/:id/file", methodNotAllowed("PUT, POST"))
  // tus: a gateway key or a signed upload URL's token; OPTIONS is discovery and CORS preflight.
  .options("/v1/tus", (r: IRequest, env: Env) => withPreflight(tusOptions(), r, env))
  .options("/v1/tus/:id", (r: IRequest, env: Env) => withPreflight(tusOptions(), r, env))
  .post("/v1/tus", tusCreate)
  .head("/v1/tus/:id", tusResource)
  .patch("/v1/tus/:id", tusResource)
  .delete("/v1/tus/:id", tusResource)
  .post("/v1/tus/:id", tusOverride)
  .all("/v1/tus/:id", methodNotAllowed("HEAD, PATCH, DELETE, OPTIONS"))
  // Staged files, for whoever holds a signed URL (WaveSpeed over 300 MB).
  .get("/v1/files/:id/content", serveContent)
  .head("/v1/files/:id/content", serveContent)
  // Everything else under /v1 needs a gateway key, and each route an action of its scope (services/keys).
  .all("/v1/*", withAuth)
  .get("/v1/providers", listProviders)
  .post("/v1/providers/:provider/files", withScope("upload"), withProvider, uploadFile)
  .all("/v1/providers/:provider/files", methodNotAllowed("POST"))
  .get("/v1/files", withScope("files:read"), listRegistry)
  .all("/v1/files", methodNotAllowed("GET"))
  .post("/v1/files/:id/copies", withScope("upload"), copyFile)
  .all("/v1/files/:id/copies", methodNotAllowed("POST"))
  .post("/v1/files/:id/refresh", withScope("upload"), refreshFile)
  .all("/v1/files/:id/refresh", methodNotAllowed("POST"))
  .get("/v1/files/:id", withScope("files:read"), getRegistryFile)
  .delete("/v1/files/:id", withScope("files:delete"), deleteRegistryFile)
  .all("/v1/files/:id", methodNotAllowed("GET, DELETE"))
  .post("/v1/uploads", withScope("tickets"), createUpload)
  // A ticket's or a resumable upload's status: whoever may make either may follow it.
  .get("/v1/uploads/:id", withScope("tickets", "upload"), getUpload)
  .post("/v1/uploads/:id/retry", withScope("upload"), retryUpload)
  .get("/v1/keys", withScope("keys:admin"), listKeysRoute)
  .post("/v1/keys", withScope("keys:admin"), createKeyRoute)
  .all("/v1/keys", methodNotAllowed("GET, POST"))
  .delete("/v1/keys/:id", withScope("keys:admin"), revokeKeyRoute)
  .all("/v1/keys/:id", methodNotAllowed("DELETE"))
  .get("/v1/usage", withScope("usage:read"), getUsage)
  .all("/v1/usage", methodNotAllowed("GET"))
  .get("/v1/audit", withScope("keys:admin"), listAuditRoute)
  .all("/v1/audit", methodNotAllowed("GET"))
  .get("/v1/project", withScope("keys:admin"), getProjectRoute)
  .put("/v1/project", withScope("keys:admin"), setProjectRoute)
  .all("/v1/project", methodNotAllowed("GET, PUT"))
  .get("/v1/events", withScope("events:read"), listEventsRoute)
  .all("/v1/events", methodNotAllowed("GET"))
  .get("/v1/events/:id", withScope("events:read"), getEventRoute)
  .all("/v1/events/:id", methodNotAllowed("GET"))
  .post("/v1/events/:id/resend", withScope("webhooks:admin"), resendEventRoute)
  .all("/v1/events/:id/resend", methodNotAllowed("POST"))
  .get("/v1/webhooks", withScope("webhooks:admin"), listWebhooksRoute)
  .post("/v1/webhooks", withScope("webhooks:admin"), createWebhookRoute)
  .all("/v1/webhooks", methodNotAllowed("GET, POST"))
  .delete("/v1/webhooks/:id", withScope("webhooks:admin"), deleteWebhookRoute)
  .all("/v1/webhooks/:id", methodNotAllowed("DELETE"))
  .all("*", notFound);

export default {
  // Every body behind a lingering close (http/linger.ts): an answer decided mid-upload reaches the client.
  // Every answer names its request (X-Request-Id, http/access.ts), and every request leaves one access line.
  fetch: async (given, env, ctx) => {
    const started = Date.now();
    // tus: X-HTTP-Method-Override is the request's method (http/routes/tus.ts).
    const request = withMethodOverride(given);
    const vars = varsFor(request);
    lingerOn(request);
    const response = await answer(request, await router.fetch(request, env, ctx, vars));
    logAccess(request, response, vars, started, (work) => ctx.waitUntil(work));
    return response;
  },
  /** Daily (wrangler.toml [triggers]): the staged files' backstop sweep, files.expired, events whose queueing was lost. */
  scheduled: async (controller, env) => {
    await noteExpired(env, controller.scheduledTime);
    await requeueUnsent(env, controller.scheduledTime);
    const { deleted } = await sweep(env, controller.scheduledTime, (ids) => keptUploads(env.DB, ids));
    if (deleted) log("info", "cleanup: deleted stale staged objects", { deleted });
    const originals = await sweepOriginals(env, controller.scheduledTime);
    if (originals.deleted) log("info", "cleanup: deleted originals past retention", originals);
  },
  /** The webhook delivery queue and its dead-letter queue (wrangler.toml [[queues.consumers]]). */
  queue: (batch, env) => handleEventBatch(batch, env),
} satisfies ExportedHandler<Env, EventMessage>;
