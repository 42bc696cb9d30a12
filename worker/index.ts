// Mediagate: the routes, as a table. Middleware (`with*`) runs in order; the first to return a response
// or throw ends the chain, and every throw becomes an RFC 9457 problem.
import { type IRequest, Router } from "itty-router";
import { withAuth } from "./auth";
import { corsify, preflight } from "./cors";
import type { Env } from "./env";
import { GatewayError, problemResponse } from "./errors";
import { type ProviderRequest, uploadFile, withProvider } from "./routes/files";
import { health, listProviders, openapi } from "./routes/meta";
import { createUpload, getUpload, uploadWithToken } from "./routes/uploads";

export { UploadSession } from "./uploads/session";

type Args = [Env, ExecutionContext];

const notFound = (request: IRequest): never => {
  throw new GatewayError("not_found", `No route for ${request.method} ${new URL(request.url).pathname}.`);
};
const methodNotAllowed =
  (allow: string) =>
  (request: IRequest): never => {
    throw new GatewayError(
      "method_not_allowed",
      `${request.method} is not allowed here; use ${allow}.`,
      {},
      { allow },
    );
  };

export const router = Router<IRequest, Args>({
  catch: (error, request) => problemResponse(error, new URL(request.url).pathname),
  finally: [corsify],
});

router
  .get("/healthz", health)
  .get("/openapi.json", openapi)
  // Signed upload URLs: the token is the credential (no gateway key), and browsers call them.
  .options("/v1/uploads/:id/file", preflight)
  .put("/v1/uploads/:id/file", uploadWithToken)
  .post("/v1/uploads/:id/file", uploadWithToken)
  .all("/v1/uploads/:id/file", methodNotAllowed("PUT, POST"))
  // Everything else under /v1 needs a gateway key.
  .all("/v1/*", withAuth)
  .get("/v1/providers", listProviders)
  .post("/v1/providers/:provider/files", withProvider, (r: IRequest, env: Env) =>
    uploadFile(r as ProviderRequest, env),
  )
  .all("/v1/providers/:provider/files", methodNotAllowed("POST"))
  .post("/v1/uploads", createUpload)
  .get("/v1/uploads/:id", getUpload)
  .all("*", notFound);

export default {
  fetch: (request, env, ctx) => router.fetch(request, env, ctx),
} satisfies ExportedHandler<Env>;
