// POST /v1/providers/:provider/files — one upload, streamed to the provider.
import type { IRequest } from "itty-router";
import type { Env } from "../../core/config";
import { GatewayError } from "../../core/errors";
import { essence } from "../../core/media";
import { configured } from "../../providers/config";
import { capability, isProviderId } from "../../providers/table";
import { importFile } from "../../services/import/import";
import { demandProvider } from "../../services/keys/scope";
import { refuseOtherFields } from "../../services/upload/advice";
import { httpStatusOf, receive } from "../../services/upload/receive";
import { need, ownerIn, type Vars } from "../context";
import { readJsonObject } from "../json";
import { validateBody } from "../schema";

/** withProvider: a known provider, within the key's scope, for which the gateway holds a key. */
export function withProvider(request: IRequest, env: Env, _ctx: unknown, vars: Vars): void {
  const id = request.params.provider ?? "";
  if (!isProviderId(id)) throw new GatewayError("unknown_provider", `No provider "${id}".`);
  demandProvider(need(vars, "principal"), id);
  vars.provider = { id, config: configured(env, id) };
}

export async function uploadFile(
  request: IRequest,
  env: Env,
  ctx: ExecutionContext,
  vars: Vars,
): Promise<Response> {
  const provider = need(vars, "provider");
  const target = {
    id: crypto.randomUUID(),
    provider: provider.id,
    config: provider.config,
    owner: ownerIn(vars),
    principal: need(vars, "principal"),
    defer: (work: Promise<unknown>) => ctx.waitUntil(work),
    answer: new Headers(),
    requestId: vars.requestId,
    onArrival: (received: number) => {
      vars.reported.received = received;
    },
  };
  // application/json: an import from a URL (services/import); anything else is the file itself.
  const type = essence(request.headers.get("content-type"));
  if (type !== "application/json") {
    const result = await receive(request, env, target);
    return Response.json(result, { status: httpStatusOf(result), headers: target.answer });
  }
  const json = await readJsonObject(request);
  // The provider's own fields before the schema, whose enums are another provider's (MiniMax's purposes).
  refuseOtherFields(capability(provider.id), json);
  const result = await importFile(request, env, target, validateBody("ImportRequest", json));
  return Response.json(result, { status: httpStatusOf(result), headers: target.answer });
}
