// MiniMax as the sandbox plays it (https://platform.minimax.io/docs/api-reference/file-management-upload):
// multipart `file` and `purpose`, each purpose's formats as the document lists them, and every failure as
// HTTP 200 with a `base_resp.status_code`. Transcribed from the document, not from ./provider.ts (see
// sandbox/kit.ts).

import provider from "../../worker/providers/minimax/provider";
import { type Code, ext, json, type SandboxProvider } from "../kit";

const PURPOSES: Record<string, string[]> = {
  voice_clone: ["mp3", "m4a", "wav"],
  prompt_audio: ["mp3", "m4a", "wav"],
  t2a_async_input: ["txt", "zip"],
  video_understanding: ["mp4", "avi", "mov", "mkv"],
};

const error = (status: number, msg: string, code: Code = 2013) =>
  json({ base_resp: { status_code: code, status_msg: msg } }, status);

export default {
  id: "minimax",
  key: provider.dev.sandboxKey,
  paths: ["/minimax/v1/files/upload"],
  body: "multipart",
  dialect: {
    error,
    inBand: () => json({ base_resp: { status_code: 1026, status_msg: "sensitive content" } }),
    unauthorized: () => error(200, "invalid api key", 2049),
    rateLimited: () => error(200, "rate limit triggered", 1002),
    noBalance: () => error(200, "insufficient balance", 1008),
  },
  accept(upload) {
    const name = upload.filename ?? "";
    const purpose = upload.fields.purpose;
    const formats = purpose !== undefined && Object.hasOwn(PURPOSES, purpose) ? PURPOSES[purpose] : undefined;
    if (!purpose || !formats) return error(200, "invalid params, purpose", 2013);
    if (!formats.includes(ext(name))) return error(200, `invalid params, file format for ${purpose}`, 2013);
    return json({
      file: {
        file_id: Number.parseInt(upload.sha256.slice(0, 12), 16),
        bytes: upload.bytes,
        created_at: Math.floor(Date.now() / 1000),
        filename: name,
        purpose,
      },
      base_resp: { status_code: 0, status_msg: "success" },
    });
  },
  calls: [
    {
      // Delete File: JSON { file_id: int64, purpose } → { file_id, base_resp }. file_id is read as its
      // digits, as MiniMax's servers read an int64 (a client that rounded it deletes another file).
      method: "POST",
      path: /^\/minimax\/v1\/files\/delete$/,
      handle(body) {
        let parsed: unknown;
        try {
          parsed = JSON.parse(body);
        } catch {
          return error(200, "invalid params, body is not JSON", 2013);
        }
        const digits = /"file_id"\s*:\s*(\d+)\s*[,}]/.exec(body)?.[1];
        const purpose = (parsed as { purpose?: unknown }).purpose;
        if (!digits || typeof purpose !== "string" || purpose === "")
          return error(200, "invalid params, file_id and purpose are required", 2013);
        return new Response(`{"file_id":${digits},"base_resp":{"status_code":0,"status_msg":"success"}}`, {
          headers: { "content-type": "application/json" },
        });
      },
    },
  ],
} satisfies SandboxProvider;
