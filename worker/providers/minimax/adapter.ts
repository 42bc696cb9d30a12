// MiniMax: multipart `purpose` + `file` → { file: { file_id }, base_resp: { status_code: 0 } }. Failures
// arrive as HTTP 200 with a non-zero base_resp.status_code. Spec: specs/minimax.yaml
// (https://platform.minimax.io/docs/api-reference/file-management-upload).
import createClient from "openapi-fetch";
import type { components, paths } from "../../../generated/minimax";
import { httpFailure, type Meaning, type MultipartBody, multipartInit, send } from "../http";
import type { ProviderAdapter } from "../types";

type Purpose = components["schemas"]["Purpose"];
type Upload = MultipartBody<paths, "/v1/files/upload">;

/** base_resp.status_code → our code, from the status table in the spec. */
const STATUS_CODES: Record<string, Required<Meaning>> = {
  1002: { code: "provider_rate_limited", meaning: "rate limit triggered" },
  1004: { code: "provider_auth_failed", meaning: "account authentication failed" },
  1008: { code: "provider_error", meaning: "insufficient account balance" },
  1026: { code: "provider_error", meaning: "content flagged as sensitive" },
  2013: { code: "provider_error", meaning: "invalid input parameters" },
  2049: { code: "provider_auth_failed", meaning: "invalid API key" },
};

export const minimax: ProviderAdapter = {
  id: "minimax",
  async upload(ctx) {
    const client = createClient<paths>({ baseUrl: ctx.config.baseUrl });
    // Validation guarantees a purpose from the spec's enum (capabilities.ts lists the same values).
    const result = await send(ctx, () =>
      client.POST(
        "/v1/files/upload",
        multipartInit<Upload>()(ctx, { purpose: ctx.options.purpose as Purpose, file: ctx.file }),
      ),
    );
    if ("failure" in result) return { error: result.failure };
    const { data, error, response } = result;
    const answer = data ?? (typeof error === "object" ? error : undefined);
    const status = answer?.base_resp?.status_code;
    if (!data?.file || status !== 0) {
      const found = {
        label: "base_resp",
        providerCode: status,
        message: answer?.base_resp?.status_msg,
        meanings: STATUS_CODES,
        // A failure inside HTTP 200: never let that read as success.
        code: response.ok ? ("provider_error" as const) : undefined,
      };
      return { error: httpFailure(response, found, error ?? data) };
    }
    const fileId = String(data.file.file_id);
    return { data: { providerFileId: fileId, url: null, reference: fileId, response: data } };
  },
};
