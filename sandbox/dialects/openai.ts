// OpenAI Files as the sandbox plays it (OpenAI's OpenAPI document, openai/openai-openapi; specs/openai.yaml
// is the gateway's copy): multipart `file` and a `purpose` from its enum, `expires_after[anchor]` and
// `expires_after[seconds]` (3600 to 2592000), up to 512 MB; the File object in answer; errors
// { error: { message, type, param, code } } with HTTP statuses; DELETE /files/{id}. The Uploads API (create →
// parts → complete, cancel) is in ./openai-uploads.ts. Transcribed from the document, not from the
// gateway's provider.ts (see sandbox/kit.ts).

import provider from "../../worker/providers/openai/provider";
import { json, type SandboxProvider } from "../kit";
import { expiry, fileObject, openAiError, PURPOSES } from "./openai-shapes";
import { UPLOAD_CALLS } from "./openai-uploads";

/** "Individual files can be up to 512 MB" (the stricter, decimal reading). */
const FILE_MAX = 512_000_000;

export default {
  id: "openai",
  key: provider.dev.sandboxKey,
  paths: ["/openai/v1/files"],
  body: "multipart",
  dialect: {
    error: (status, message, code) => openAiError(status, message, code ?? null),
    inBand: () =>
      json(
        { error: { message: "The server had an error", type: "server_error", param: null, code: null } },
        500,
      ),
    unauthorized: () => openAiError(401, "Incorrect API key provided.", "invalid_api_key"),
  },
  accept(upload) {
    const { purpose } = upload.fields;
    if (!purpose || !PURPOSES.includes(purpose)) return openAiError(400, "Invalid purpose", null, "purpose");
    const expires = expiry(upload.fields["expires_after[anchor]"], upload.fields["expires_after[seconds]"]);
    if (expires instanceof Response) return expires;
    if (upload.bytes > FILE_MAX) return openAiError(413, "File is too large", null, "file");
    const id = `file-${upload.sha256.slice(0, 24)}`;
    return json(fileObject(id, upload.bytes, upload.filename ?? "file", purpose, expires));
  },
  calls: [
    ...UPLOAD_CALLS,
    {
      method: "DELETE",
      path: /^\/openai\/v1\/files\/(file-[\w-]+)$/,
      handle: (_body, match) => json({ id: match[1], object: "file", deleted: true }),
    },
  ],
} satisfies SandboxProvider;
