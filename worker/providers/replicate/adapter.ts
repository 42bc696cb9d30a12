// Replicate: multipart `content` (the file), `filename`, `type` and `metadata` (JSON text) → 201 { id, urls,
// checksums, expires_at, ... }; DELETE /files/{id} → 204. Errors are application/problem+json { detail }.
// Spec: specs/replicate.yaml (https://replicate.com/docs/reference/http#files.create).
import createClient from "openapi-fetch";
import type { paths } from "../../../generated/replicate";
import { bearer, httpFailure, type MultipartBody, multipartInit, send } from "../kit/http";
import type { ProviderAdapter } from "../kit/types";

type Upload = MultipartBody<paths, "/files">;

/** An ISO 8601 date-time that parses, or undefined (expires_at is typed Optional by replicate-python). */
function dateTime(value: unknown): string | undefined {
  if (typeof value !== "string" || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value)) return undefined;
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : new Date(time).toISOString();
}

/** What a failed answer says, read only from the problem's documented members. */
const problemOf = (error: unknown) => {
  const known = typeof error === "object" && error !== null ? (error as { detail?: unknown }) : undefined;
  return { label: "status", message: known?.detail };
};

export const replicate: ProviderAdapter = {
  id: "replicate",
  async upload(ctx) {
    const client = createClient<paths>({ baseUrl: ctx.config.baseUrl });
    const result = await send(ctx, () =>
      client.POST(
        "/files",
        multipartInit<Upload>()(ctx, {
          filename: ctx.file.name,
          type: ctx.file.type,
          // Validation left it a compacted JSON object (services/upload/validate.ts).
          ...(ctx.options.metadata === undefined ? {} : { metadata: ctx.options.metadata }),
          content: ctx.file,
        }),
      ),
    );
    if ("failure" in result) return { error: result.failure };
    const { data, error, response } = result;
    if (!data || typeof data.id !== "string" || data.id === "") {
      return { error: httpFailure(response, problemOf(error), error ?? data) };
    }
    const url = typeof data.urls?.get === "string" ? data.urls.get : null;
    const expiresAt = dateTime(data.expires_at);
    return {
      data: {
        providerFileId: data.id,
        url,
        // Replicate's models take an HTTP URL for a file input: the file's own.
        reference: url ?? data.id,
        response: data,
        ...(expiresAt === undefined ? {} : { expiresAt }),
      },
    };
  },

  /** DELETE /files/{file_id}: 204; a file already gone answers 404, which is what was wanted. */
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
    const { error, response } = result;
    if (response.ok || response.status === 404) return {};
    return { error: httpFailure(response, problemOf(error), error) };
  },
};
