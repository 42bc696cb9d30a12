// Dify as the sandbox plays it (https://docs.dify.ai/en/api-reference/files/upload-file): multipart `file`
// and `user`, a self-hosted deployment's default limits (api/configs: UPLOAD_*_FILE_SIZE_LIMIT and its
// extension lists), string error codes, 201 with the file record. Transcribed from Dify, not from
// ./provider.ts (see sandbox/kit.ts).

import provider from "../../worker/providers/dify/provider";
import { type Code, ext, json, MB, type SandboxProvider } from "../kit";

const LIMITS: Record<string, { ext: string[]; max: number }> = {
  image: { ext: "jpg jpeg png webp gif svg".split(" "), max: 10 * MB },
  video: { ext: "mp4 mov mpeg webm".split(" "), max: 100 * MB },
  audio: { ext: "mp3 m4a wav amr mpga".split(" "), max: 50 * MB },
  document: {
    ext: "txt md markdown mdx pdf html htm xlsx xls doc docx csv eml msg pptx ppt xml epub".split(" "),
    max: 15 * MB,
  },
};

const error = (status: number, message: string, code: Code = "invalid_param") =>
  json({ status, code, message }, status);

export default {
  id: "dify",
  key: provider.dev.sandboxKey,
  paths: ["/dify/v1/files/upload"],
  body: "multipart",
  dialect: {
    error,
    inBand: () => json({ status: 500, code: "internal_server_error", message: "internal error" }, 500),
  },
  accept(upload) {
    const name = upload.filename ?? "";
    if (!name) return error(400, "The specified filename does not exist.", "filename_not_exists_error");
    const kind = Object.entries(LIMITS).find(([, v]) => v.ext.includes(ext(name)));
    if (!kind) return error(415, "File type not allowed.", "unsupported_file_type");
    if (upload.bytes > kind[1].max) return error(413, "File size exceeded.", "file_too_large");
    const id = upload.sha256;
    return json(
      {
        id: `${id.slice(0, 8)}-${id.slice(8, 12)}-4${id.slice(13, 16)}-8000-${id.slice(16, 28)}`,
        name,
        size: upload.bytes,
        extension: ext(name),
        mime_type: upload.type,
        created_by: null,
        created_at: Math.floor(Date.now() / 1000),
        preview_url: null,
        source_url: null,
        original_url: null,
        user_id: upload.fields.user ?? null,
        tenant_id: null,
        conversation_id: null,
        file_key: `uploads/${name}`,
      },
      201,
    );
  },
} satisfies SandboxProvider;
