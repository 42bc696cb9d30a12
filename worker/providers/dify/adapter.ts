// Dify: multipart `file` + `user` → 201 { id, ... }. Errors { status, code, message } with 400/413/415.
// Spec: specs/dify.yaml (https://docs.dify.ai/en/api-reference/files/upload-file).
import createClient from "openapi-fetch";
import type { paths } from "../../../generated/dify";
import { describe, httpFailure, type MultipartBody, multipartInit, send } from "../http";
import type { ProviderAdapter } from "../types";

type Upload = MultipartBody<paths, "/files/upload">;

export const dify: ProviderAdapter = {
  id: "dify",
  async upload(ctx) {
    const client = createClient<paths>({ baseUrl: ctx.config.baseUrl });
    const result = await send(ctx, () =>
      client.POST(
        "/files/upload",
        multipartInit<Upload>()(ctx, {
          ...(ctx.options.user === undefined ? {} : { user: ctx.options.user }),
          file: ctx.file,
        }),
      ),
    );
    if ("failure" in result) return { error: result.failure };
    const { data, error, response } = result;
    if (!data?.id) {
      const known = typeof error === "object" && error !== null ? error : undefined;
      return {
        error: httpFailure(
          response,
          `HTTP ${response.status} ${known?.code ?? ""}: ${known?.message ?? describe(error)}`,
          {
            ...(known?.code === undefined ? {} : { providerCode: known.code }),
            ...(known?.message === undefined ? {} : { message: known.message }),
          },
        ),
      };
    }
    return {
      data: {
        providerFileId: data.id,
        url: data.source_url ?? data.preview_url ?? null,
        reference: data.id,
        response: data,
      },
    };
  },
};
