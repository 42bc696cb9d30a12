// Jimmy AI: multipart `file` → { code: 20000, data: { url } }. Failures may arrive inside HTTP 200 with
// another `code`. Spec: specs/jimmy.yaml (https://docs.jimmyai.cn/en/api-reference/files/upload).
import createClient from "openapi-fetch";
import type { paths } from "../../../generated/jimmy";
import { httpFailure, type MultipartBody, multipartInit, send } from "../kit/http";
import type { ProviderAdapter } from "../kit/types";

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
      const found = {
        label: "code",
        providerCode: answer?.code,
        message: answer?.msg,
        // Jimmy reports failures inside HTTP 200: never let that read as success.
        code: response.ok ? ("provider_error" as const) : undefined,
      };
      return { error: httpFailure(response, found, error ?? data) };
    }
    return { data: { providerFileId: null, url: data.data.url, reference: data.data.url, response: data } };
  },
};
