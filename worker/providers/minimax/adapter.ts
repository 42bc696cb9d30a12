// MiniMax: multipart `purpose` + `file` → { file: { file_id }, base_resp: { status_code: 0 } }. Failures
// arrive as HTTP 200 with a non-zero base_resp.status_code. file_id is an int64: read as its digits and
// carried as a string (a JavaScript number rounds it above 2^53). Spec: specs/minimax.yaml
// (https://platform.minimax.io/docs/api-reference/file-management-upload).
import createClient from "openapi-fetch";
import type { components, paths } from "../../../generated/minimax";
import {
  bearer,
  httpFailure,
  type Meaning,
  type MultipartBody,
  multipartInit,
  parseWithInt64,
  send,
} from "../kit/http";
import type { ProviderAdapter } from "../kit/types";

type Purpose = components["schemas"]["Purpose"];
type Upload = MultipartBody<paths, "/v1/files/upload">;
type DeleteBody = paths["/v1/files/delete"]["post"]["requestBody"]["content"]["application/json"];
type DeleteAnswer = components["schemas"]["DeleteFileResp"];

/** `K`, an int64 member of `T` in the spec, as the decimal digits MiniMax sent. */
type Int64Digits<T, K extends keyof T> = Omit<T, K> & { [P in K]: string };

/** MiniMax's answer as this adapter reads it: the spec's UploadFileResp with file_id as digits. */
type Answer = Omit<components["schemas"]["UploadFileResp"], "file"> & {
  file?: Int64Digits<components["schemas"]["FileObject"], "file_id">;
};

/** The spec's int64 ids, read as digits wherever they appear in an answer. */
const INT64_IDS = ["file_id"] satisfies (keyof components["schemas"]["FileObject"])[];

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
    // Validation guarantees a purpose from the spec's enum (./provider.ts lists the same values).
    const result = await send(ctx, async () => {
      // The success body as text, so file_id's digits are read before anything rounds them.
      const { data, ...rest } = await client.POST("/v1/files/upload", {
        ...multipartInit<Upload>()(ctx, { purpose: ctx.options.purpose as Purpose, file: ctx.file }),
        parseAs: "text",
      });
      return { ...rest, ...(data === undefined ? {} : { data: parseWithInt64(data, INT64_IDS) as Answer }) };
    });
    if ("failure" in result) return { error: result.failure };
    const { data, error, response } = result;
    const answer = data ?? (typeof error === "object" ? error : undefined);
    const status = answer?.base_resp?.status_code;
    const fileId = data?.file?.file_id;
    if (!data || typeof fileId !== "string" || !/^\d+$/.test(fileId) || status !== 0) {
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
    return { data: { providerFileId: fileId, url: null, reference: fileId, response: data } };
  },

  /** POST /v1/files/delete { file_id, purpose }: file_id's digits written as they are (an int64). */
  async remove(ctx) {
    const client = createClient<paths>({ baseUrl: ctx.config.baseUrl });
    const id = ctx.providerFileId;
    const purpose = ctx.options.purpose ?? "";
    if (!/^\d+$/.test(id))
      return { error: { code: "provider_error", detail: "the stored file_id is not an int64" } };
    // The typed body is checked against the spec; what goes out is the same body with file_id's exact digits.
    const body: DeleteBody = { file_id: 0, purpose };
    const result = await send(ctx, () =>
      client.POST("/v1/files/delete", {
        body,
        bodySerializer: () => `{"file_id":${id},"purpose":${JSON.stringify(purpose)}}`,
        headers: { ...bearer(ctx.config), "content-type": "application/json" },
        fetch: ctx.fetch,
        signal: ctx.signal,
        redirect: "manual",
        parseAs: "text",
      }),
    );
    if ("failure" in result) return { error: result.failure };
    const { data, error, response } = result;
    const answer = parseWithInt64(
      data ?? (typeof error === "string" ? error : "{}"),
      INT64_IDS,
    ) as DeleteAnswer;
    const status = answer?.base_resp?.status_code;
    if (data === undefined || status !== 0) {
      const found = {
        label: "base_resp",
        providerCode: status,
        message: answer?.base_resp?.status_msg,
        meanings: STATUS_CODES,
        code: response.ok ? ("provider_error" as const) : undefined,
      };
      return { error: httpFailure(response, found, answer) };
    }
    return {};
  },
};
