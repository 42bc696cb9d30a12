// Dify: multipart `file` + `user` → 201 { id, ... }. Errors { status, code, message } with 400/413/415.
// Spec: specs/dify.yaml (https://docs.dify.ai/en/api-reference/files/upload-file).
import createClient from "openapi-fetch";
import type { paths } from "../../../generated/dify";
import { httpFailure, type Meaning, type MultipartBody, multipartInit, send } from "../kit/http";
import type { ProviderAdapter } from "../kit/types";

type Upload = MultipartBody<paths, "/files/upload">;

/** Dify's error codes, as its spec documents them, in our words. */
const CODES: Record<string, Meaning> = {
  no_file_uploaded: { meaning: "no file in the request" },
  too_many_files: { meaning: "more than one file in the request" },
  filename_not_exists_error: { meaning: "the file has no filename" },
  file_too_large: { meaning: "file size exceeded" },
  unsupported_file_type: { meaning: "file type not allowed" },
  unauthorized: { meaning: "API key refused" },
};

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
      const found = { providerCode: known?.code, message: known?.message, meanings: CODES };
      return { error: httpFailure(response, { label: "code", ...found }, error ?? data) };
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
