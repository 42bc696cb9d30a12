// GET /healthz, GET /v1/providers. (GET /openapi.json is a static asset: public/openapi.json.)
import type { IRequest } from "itty-router";
import type { components } from "../../../generated/gateway";
import { type Env, maxRequestBytes } from "../../core/config";
import { MEDIA } from "../../core/media";
import { detectableAs } from "../../core/sniff";
import { envDefaults, providerConfig } from "../../providers/config";
import { capability, PROVIDER_IDS } from "../../providers/table";

type Provider = components["schemas"]["Provider"];

export const health = () => Response.json({ status: "ok" });

/** The capability table as the API reports it: limits capped by what one request may carry. */
export function listProviders(_request: IRequest, env: Env): Response {
  const requestCap = maxRequestBytes(env);
  const providers = PROVIDER_IDS.map((id): Provider => {
    const c = capability(id);
    const fromEnv = envDefaults(env, id);
    return {
      id,
      name: c.name,
      docs: c.docs,
      configured: providerConfig(env, id) !== undefined,
      max_bytes: c.maxBytes === null ? requestCap : Math.min(c.maxBytes, requestCap),
      provider_max_bytes: c.maxBytes,
      accepted:
        c.accepted?.map((ext) => ({
          extension: ext,
          mime_types: [...MEDIA[ext].mime],
          kind: MEDIA[ext].kind,
          detected_types: detectableAs(ext),
        })) ?? null,
      fields: c.fields.map((f) => {
        const fallback = f.default ?? fromEnv[f.name];
        return {
          name: f.name,
          required: f.required,
          description: f.description,
          ...(f.values
            ? {
                values: f.values.map((v) => ({
                  value: v.value,
                  ...(v.extensions ? { extensions: [...v.extensions] } : {}),
                })),
              }
            : {}),
          ...(fallback ? { default: fallback } : {}),
          ...(f.format ? { format: f.format } : {}),
        };
      }),
      body: c.body,
      retention_seconds: c.retentionSeconds,
    };
  });
  return Response.json({ providers });
}
