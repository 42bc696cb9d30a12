// WaveSpeedAI: multipart `file` → { code: 200, data: { download_url } }; `code` other than 200 is a
// failure even inside HTTP 200. Files are kept 7 days. Spec: specs/wavespeed.yaml, written from
// https://wavespeed.ai/docs/how-to-upload-files-api.
import createClient from "openapi-fetch";
import type { paths } from "../../../generated/wavespeed";
import { codeForStatus, httpFailure, type MultipartBody, multipartInit, send } from "../kit/http";
import type { ProviderAdapter } from "../kit/types";

type Upload = MultipartBody<paths, "/api/v3/media/upload/binary">;

export const wavespeed: ProviderAdapter = {
  id: "wavespeed",
  async upload(ctx) {
    const client = createClient<paths>({ baseUrl: ctx.config.baseUrl });
    const result = await send(ctx, () =>
      client.POST("/api/v3/media/upload/binary", multipartInit<Upload>()(ctx, { file: ctx.file })),
    );
    if ("failure" in result) return { error: result.failure };
    const { data, error, response } = result;
    const answer = data ?? (typeof error === "object" ? error : undefined);
    if (!data?.data?.download_url || data.code !== 200) {
      // The body's `code` repeats an HTTP status; inside an HTTP 200 it is the real one.
      const inner = typeof answer?.code === "number" && answer.code !== 200 ? answer.code : response.status;
      const found = {
        label: "code",
        providerCode: answer?.code,
        message: answer?.message,
        code: inner === 200 ? ("provider_error" as const) : codeForStatus(inner),
      };
      return { error: httpFailure(response, found, error ?? data) };
    }
    const url = data.data.download_url;
    return { data: { providerFileId: null, url, reference: url, response: data } };
  },
};
