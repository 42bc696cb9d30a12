// fal.ai storage, two steps (specs/fal.yaml, from fal's own client, fal-js libs/client/src/storage.ts):
//   1. POST /storage/upload/initiate?storage_type=fal-cdn-v3 { content_type, file_name }, `Authorization: Key …`
//      → { upload_url (signed), file_url (what models take) };
//   2. PUT the bytes to upload_url (./put.ts): the stream with its exact Content-Length, no key; files over
//      90 MiB through initiate-multipart and 10 MiB parts cut from the stream, as fal's client (./parts.ts).
// A PUT that fails leaves nothing to clean up that fal lets us reach: it documents no call to cancel an
// initiated upload, the signed URL lapses, and a PUT cut short stores no object (its length is exact).
import createClient from "openapi-fetch";
import type { components, paths } from "../../../generated/fal";
import { LIMITS } from "../../core/limits";
import { httpFailure, send } from "../kit/http";
import type { AdapterContext, ProviderAdapter, ProviderFailure } from "../kit/types";
import { MULTIPART_ABOVE, putParts } from "./parts";
import { falProblem, putSigned } from "./put";

type Initiated =
  | { readonly data: components["schemas"]["InitiateUploadResult"]; readonly error?: never }
  | { readonly data?: never; readonly error: ProviderFailure };

const failed = (detail: string): Initiated => ({ error: { code: "provider_error", detail } });

/** Step 1: where to PUT the file, or the failure. Bounded on its own: no byte has been sent yet. */
async function initiate(ctx: AdapterContext, multipart: boolean): Promise<Initiated> {
  const client = createClient<paths>({ baseUrl: ctx.config.baseUrl });
  const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(LIMITS.providerStepTimeoutMs)]);
  const path = multipart ? "/storage/upload/initiate-multipart" : "/storage/upload/initiate";
  const result = await send({ signal }, () =>
    client.POST(path, {
      params: { query: { storage_type: "fal-cdn-v3" } },
      body: { content_type: ctx.file.type, file_name: ctx.file.name },
      headers: { authorization: `Key ${ctx.config.apiKey}` },
      fetch: ctx.fetch,
      signal,
      redirect: "manual",
    }),
  ).catch((error: unknown) => {
    if (ctx.signal.aborted) throw error;
    return {
      failure: { code: "provider_timeout", detail: "initiate: no answer in time", raw: error } as const,
    };
  });
  if ("failure" in result) return { error: result.failure };
  const { data, error, response } = result;
  if (!data || typeof data.upload_url !== "string" || typeof data.file_url !== "string")
    return { error: httpFailure(response, falProblem(error), error ?? data) };
  if (!URL.canParse(data.file_url) || !/^https?:/.test(data.file_url))
    return failed("initiate answered a file_url that is not an http(s) URL");
  return { data };
}

export const fal: ProviderAdapter = {
  id: "fal",
  async upload(ctx) {
    const multipart = ctx.file.size > MULTIPART_ABOVE;
    const started = await initiate(ctx, multipart);
    if (started.error) return { error: started.error };
    const { upload_url, file_url } = started.data;
    const put = await (multipart ? putParts : putSigned)(ctx, upload_url);
    if (put.error) return { error: put.error };
    // The answer without its upload_url: a signed URL that can still write the file, not for callers.
    return { data: { providerFileId: null, url: file_url, reference: file_url, response: { file_url } } };
  },
};
