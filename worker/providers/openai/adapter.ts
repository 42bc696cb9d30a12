// OpenAI Files: multipart `file` + `purpose` (+ `expires_after[anchor]`/`[seconds]`) → the File object, up to
// 512 MB in one request; above that, the Uploads API (./uploads.ts). DELETE /files/{file_id}. Errors
// { error: { message, type, param, code } } with HTTP statuses. Spec: specs/openai.yaml (from
// openai/openai-openapi).
import createClient from "openapi-fetch";
import type { components, paths } from "../../../generated/openai";
import { bearer, type MultipartBody, multipartInit, send } from "../kit/http";
import type { ProviderAdapter } from "../kit/types";
import { delivered, failure } from "./answers";
import provider from "./provider";
import { uploadInParts } from "./uploads";

type Purpose = components["schemas"]["FilePurpose"];
type Upload = MultipartBody<paths, "/files">;

/** OpenAI's limits as the adapter cuts by: one request up to 512 MB, Parts of at most 64 MB (decimal). */
export interface OpenAiLimits {
  readonly singleMaxBytes: number;
  readonly partBytes: number;
}

export const OPENAI_LIMITS: OpenAiLimits = {
  singleMaxBytes: provider.exactAboveBytes,
  partBytes: 64_000_000,
};

/** The adapter, cutting by `limits` (tests cut a small file into parts with smaller ones). */
export function openAiAdapter(limits: OpenAiLimits = OPENAI_LIMITS): ProviderAdapter {
  return {
    id: "openai",
    async upload(ctx) {
      if (ctx.file.size > limits.singleMaxBytes) return uploadInParts(ctx, limits.partBytes);
      const client = createClient<paths>({ baseUrl: ctx.config.baseUrl });
      const seconds = ctx.options.expires_after;
      const result = await send(ctx, () =>
        client.POST(
          "/files",
          multipartInit<Upload>()(ctx, {
            // Validation guarantees a purpose from the spec's enum (./provider.ts lists the same values).
            purpose: ctx.options.purpose as Purpose,
            ...(seconds === undefined
              ? {}
              : { "expires_after[anchor]": "created_at" as const, "expires_after[seconds]": seconds }),
            file: ctx.file,
          }),
        ),
      );
      if ("failure" in result) return { error: result.failure };
      const { data, error, response } = result;
      const done = delivered(data, data ?? {});
      return done ? { data: done } : { error: failure(response, error ?? data) };
    },

    /** DELETE /files/{file_id} → { id, object, deleted: true }. */
    async remove(ctx) {
      const client = createClient<paths>({ baseUrl: ctx.config.baseUrl });
      const result = await send(ctx, () =>
        client.DELETE("/files/{file_id}", {
          params: { path: { file_id: ctx.providerFileId } },
          headers: bearer(ctx.config),
          fetch: ctx.fetch,
          signal: ctx.signal,
          redirect: "manual",
        }),
      );
      if ("failure" in result) return { error: result.failure };
      const { data, error, response } = result;
      return data?.deleted === true ? {} : { error: failure(response, error ?? data) };
    },
  };
}

export const openai = openAiAdapter();
