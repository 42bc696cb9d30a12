// Dify's facts: https://docs.dify.ai/en/api-reference/files/upload-file (specs/dify.yaml).
import type { Capability } from "../kit/capability.ts";

export default {
  id: "dify",
  name: "Dify",
  docs: "https://docs.dify.ai/en/api-reference/files/upload-file",
  spec: "dify.yaml",
  defaultBaseUrl: "https://api.dify.ai/v1",
  // Dify's size and type limits are per deployment (UPLOAD_*_FILE_SIZE_LIMIT); its 413/415 answers
  // are passed on as our file_too_large/unsupported_file_type.
  maxBytes: null,
  accepted: null,
  fields: [
    {
      name: "user",
      required: false,
      description: "End-user identifier, unique within the Dify application.",
      default: "mediagate",
    },
  ],
  body: "multipart",
  retentionSeconds: null,
  dev: {
    sandboxPath: "/dify/v1",
    sandboxKey: "sandbox-dify-key",
    sample: { ext: "png", type: "image/png", fields: { user: "alice" } },
    // Dify has no in-band failures: its errors are HTTP statuses.
    inBandStatus: 500,
  },
} as const satisfies Capability;
