// useapi.net's MiniMax files API as the sandbox plays it
// (https://useapi.net/docs/api-minimax-v1/post-minimax-files): the raw file as the body, its Content-Type
// from the document's list, up to 5 GB, `?account=`, `{ error, code }` errors. It gets no filename, so
// scenarios are named by the account. Transcribed from the document, not from ./provider.ts (see
// sandbox/kit.ts).

import provider from "../../worker/providers/useapi/provider";
import { fileUrl, json, type SandboxProvider } from "../kit";

const TYPES = ["image/png", "image/jpeg", "audio/mpeg", "audio/wav", "video/mp4"];

const error = (status: number, message: string) => json({ error: message, code: status }, status);

export default {
  id: "useapi",
  key: provider.dev.sandboxKey,
  paths: ["/useapi/v1/minimax/files/", "/useapi/v1/minimax/files"],
  body: "raw",
  scenarioSource: (url) => url.searchParams.get("account") ?? "",
  dialect: {
    error,
    inBand: () => json({ error: "hailuoai.video rejected the file", code: 400 }),
  },
  accept(upload, url) {
    const type = upload.type ?? "";
    if (!TYPES.includes(type)) return error(400, `Content-Type ${type} is not supported`);
    if (upload.bytes > 5_000_000_000) return error(400, "File exceeds 5GB");
    const account = url.searchParams.get("account") ?? "default";
    return json({
      ossPath: fileUrl("useapi", url, upload),
      fileID: `user:1234-minimax:${account}-file:${upload.sha256.slice(0, 16)}`,
    });
  },
  calls: [
    {
      // DELETE /v1/minimax/files/{fileID}: "always succeeds", also for a file that does not exist.
      method: "DELETE",
      path: /^\/useapi\/v1\/minimax\/files\/([^/]+)$/,
      handle: () => new Response(null, { status: 200 }),
    },
  ],
} satisfies SandboxProvider;
