// OpenAI's Uploads API, for a file above one request (https://platform.openai.com/docs/api-reference/uploads,
// specs/openai.yaml): create an Upload with the exact size → add Parts of at most 64 MB, each cut from the
// one stream (kit/parts.ts) and sent as its own multipart request with an exact Content-Length, one at a
// time → complete with the part ids in order. A failure after the Upload exists cancels it (kit/steps.ts),
// so nothing is left pending at OpenAI; an uncancelled Upload would expire an hour after its creation.
import createClient from "openapi-fetch";
import type { components, paths } from "../../../generated/openai";
import { bearer, type MultipartBody, multipartInit, send } from "../kit/http";
import { PartCutter, partSizes } from "../kit/parts";
import { atStep, jsonInit, opened, sendStep } from "../kit/steps";
import type { AdapterContext, AdapterResult } from "../kit/types";
import { delivered, failure } from "./answers";

type Purpose = components["schemas"]["FilePurpose"];
type Part = MultipartBody<paths, "/uploads/{upload_id}/parts">;

export async function uploadInParts(ctx: AdapterContext, partBytes: number): Promise<AdapterResult> {
  const client = createClient<paths>({ baseUrl: ctx.config.baseUrl });
  const auth = bearer(ctx.config);
  const seconds = ctx.options.expires_after;
  const created = await sendStep(ctx, () =>
    client.POST(
      "/uploads",
      jsonInit(ctx, auth, {
        filename: ctx.file.name,
        purpose: ctx.options.purpose as Purpose,
        bytes: ctx.file.size,
        mime_type: ctx.file.type,
        ...(seconds === undefined
          ? {}
          : { expires_after: { anchor: "created_at", seconds: Number(seconds) } }),
      }),
    ),
  );
  if ("failure" in created) return { error: atStep("creating the Upload", created.failure) };
  const id = created.data?.id;
  if (typeof id !== "string" || id === "")
    return { error: atStep("creating the Upload", failure(created.response, created.error ?? created.data)) };
  const upload_id = id;

  const cancel = async (signal: AbortSignal) => {
    const result = await sendStep({ signal }, () =>
      client.POST("/uploads/{upload_id}/cancel", {
        params: { path: { upload_id } },
        headers: auth,
        fetch: ctx.fetch,
        signal,
        redirect: "manual",
      }),
    );
    if ("failure" in result) return result.failure;
    return result.response.ok ? undefined : failure(result.response, result.error);
  };

  return opened(`OpenAI Upload ${upload_id}`, cancel, async () => {
    const cutter = new PartCutter(ctx.file);
    const sizes = partSizes(ctx.file.size, partBytes);
    const partIds: string[] = [];
    for (const [i, size] of sizes.entries()) {
      const step = `adding part ${i + 1} of ${sizes.length}`;
      const data = cutter.take(size);
      const added = await send(ctx, () =>
        client.POST("/uploads/{upload_id}/parts", {
          ...multipartInit<Part>()(ctx, { data }),
          params: { path: { upload_id } },
        }),
      );
      const partId = "failure" in added ? undefined : added.data?.id;
      if (typeof partId !== "string" || partId === "") {
        await cutter.cancel(new Error(`${step} failed`));
        if ("failure" in added) return { error: atStep(step, added.failure) };
        return { error: atStep(step, failure(added.response, added.error ?? added.data)) };
      }
      partIds.push(partId);
    }
    const completed = await sendStep(ctx, () =>
      client.POST("/uploads/{upload_id}/complete", {
        ...jsonInit(ctx, auth, { part_ids: partIds }),
        params: { path: { upload_id } },
      }),
    );
    if ("failure" in completed) return { error: atStep("completing the Upload", completed.failure) };
    const upload = completed.data;
    const done = upload?.status === "completed" ? delivered(upload.file ?? undefined, upload) : undefined;
    if (!done)
      return {
        error: atStep("completing the Upload", failure(completed.response, completed.error ?? upload)),
      };
    return { data: done };
  });
}
