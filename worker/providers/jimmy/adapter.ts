// Jimmy AI: multipart `file` → { code: 20000, data: { url } }. Failures may arrive inside HTTP 200 with
// another `code`. Spec: specs/jimmy.yaml (https://docs.jimmyai.cn/en/api-reference/files/upload).
import createClient from "openapi-fetch";
import type { paths } from "../../../generated/jimmy";
import { describe, httpFailure, type MultipartBody, multipartInit, send } from "../http";
import type { ProviderAdapter } from "../types";

const SUCCESS = 20000;

type Upload = MultipartBody<paths, "/api/open-api/v1/files/upload">;

export const jimmy: ProviderAdapter = {
  id: "jimmy",
  async upload(ctx) {
    const client = createClient<paths>({ baseUrl: ctx.config.baseUrl });
    const result = await send(ctx, () =>
      client.POST("/api/open-api/v1/files/upload", multipartInit<Upload>()(ctx, { file: ctx.file })),
    );
    if ("failure" in result) return { error: result.failure };
    const { data, error, response } = result;
    const answer = data ?? (typeof error === "object" ? error : undefined);
    if (!data || data.code !== SUCCESS || !data.data?.url) {
      return {
        error: httpFailure(
          response,
          `code ${answer?.code ?? "none"} (HTTP ${response.status}): ${answer?.msg ?? describe(error)}`,
          {
            ...(answer?.code === undefined ? {} : { providerCode: answer.code }),
            ...(answer?.msg === undefined ? {} : { message: answer.msg }),
            // Jimmy reports failures inside HTTP 200: never let that read as success.
            ...(response.ok ? { code: "provider_error" as const } : {}),
          },
        ),
      };
    }
    return { data: { providerFileId: null, url: data.data.url, reference: data.data.url, response: data } };
  },
};
