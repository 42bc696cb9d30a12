// useapi.net (MiniMax proxy): the raw file as the body, Content-Type from its table (.webp goes as
// image/jpeg), ?account= → { ossPath, fileID }. Spec: specs/useapi.yaml, written from
// https://useapi.net/docs/api-minimax-v1/post-minimax-files.
import createClient from "openapi-fetch";
import type { paths } from "../../../generated/useapi";
import { extensionOf } from "../../core/media";
import { bearer, httpFailure, rawInit, send } from "../kit/http";
import type { ProviderAdapter } from "../kit/types";

/** useapi's Content-Type table, by extension. */
const CONTENT_TYPES: Record<string, string> = {
  png: "image/png",
  jpeg: "image/jpeg",
  jpg: "image/jpeg",
  webp: "image/jpeg",
  mp3: "audio/mpeg",
  wav: "audio/wav",
  mp4: "video/mp4",
};

export const useapi: ProviderAdapter = {
  id: "useapi",
  async upload(ctx) {
    const client = createClient<paths>({ baseUrl: ctx.config.baseUrl });
    const contentType = CONTENT_TYPES[extensionOf(ctx.file.name)] ?? ctx.file.type;
    const account = ctx.options.account ?? ctx.config.defaults.account;
    const result = await send(ctx, () =>
      client.POST("/v1/minimax/files/", {
        ...rawInit(ctx, contentType),
        params: { query: account === undefined ? {} : { account } },
      }),
    );
    if ("failure" in result) return { error: result.failure };
    const { data, error, response } = result;
    if (!data?.fileID) {
      // useapi's model makes every field optional: an error may come inside an HTTP 200 too.
      const known = data ?? (typeof error === "object" && error !== null ? error : undefined);
      const found = {
        label: "code",
        providerCode: known?.code,
        message: known?.error,
        code: response.ok ? ("provider_error" as const) : undefined,
      };
      return { error: httpFailure(response, found, error ?? data) };
    }
    return {
      data: {
        providerFileId: data.fileID,
        url: data.ossPath ?? null,
        reference: data.fileID,
        response: data,
      },
    };
  },

  /** DELETE /v1/minimax/files/{fileID} (URL-encoded): 200 also when the file was already gone. */
  async remove(ctx) {
    const client = createClient<paths>({ baseUrl: ctx.config.baseUrl });
    const result = await send(ctx, () =>
      client.DELETE("/v1/minimax/files/{fileID}", {
        params: { path: { fileID: ctx.providerFileId } },
        headers: bearer(ctx.config),
        fetch: ctx.fetch,
        signal: ctx.signal,
        redirect: "manual",
        parseAs: "text",
      }),
    );
    if ("failure" in result) return { error: result.failure };
    const { error, response } = result;
    if (response.ok) return {};
    let known: { error?: unknown; code?: unknown } | undefined;
    try {
      known = typeof error === "string" ? JSON.parse(error) : undefined;
    } catch {}
    const found = { label: "code", providerCode: known?.code, message: known?.error };
    return { error: httpFailure(response, found, error) };
  },
};
