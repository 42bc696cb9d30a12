// Jimmy AI as the sandbox plays it (https://docs.jimmyai.cn/en/api-reference/files/upload): multipart
// `file`, its extension list and 100 MB limit as the document states them, and `{ code, msg }` errors that
// may arrive inside HTTP 200. Transcribed from the document, not from ./provider.ts (see sandbox/kit.ts).

import provider from "../../worker/providers/jimmy/provider";
import { type Code, ext, fileUrl, json, MB, type SandboxProvider } from "../kit";

const EXTENSIONS =
  "jpg jpeg png gif webp bmp svg mp4 mov avi webm mkv m4v flv mp3 wav aac m4a flac ogg".split(" ");

const error = (status: number, msg: string, code: Code = status * 100) => json({ code, msg }, status);

export default {
  id: "jimmy",
  key: provider.dev.sandboxKey,
  paths: ["/jimmy/api/open-api/v1/files/upload"],
  body: "multipart",
  dialect: {
    error,
    inBand: () => json({ code: 50001, msg: "upload failed: storage unavailable" }),
  },
  accept(upload, url) {
    const name = upload.filename ?? "";
    if (!name) return error(400, "file is required", 40001);
    if (!EXTENSIONS.includes(ext(name))) return error(400, `unsupported file type .${ext(name)}`, 40002);
    if (upload.bytes > 100 * MB) return error(413, "file exceeds 100 MB", 41300);
    const mime = upload.type ?? "application/octet-stream";
    return json({
      code: 20000,
      msg: "ok",
      data: { url: fileUrl("jimmy", url, upload), filename: name, size: upload.bytes, mime_type: mime },
    });
  },
} satisfies SandboxProvider;
