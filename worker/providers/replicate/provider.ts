// Replicate's facts: https://replicate.com/docs/reference/http#files.create (specs/replicate.yaml).
import type { Capability } from "../kit/capability.ts";

export default {
  id: "replicate",
  name: "Replicate",
  docs: "https://replicate.com/docs/reference/http#files.create",
  spec: "replicate.yaml",
  // What both official clients use; a self-hosted or proxied base replaces it whole (REPLICATE_BASE_URL).
  defaultBaseUrl: "https://api.replicate.com/v1",
  // "Files must be less than 100MB in size" (its 413): decimal megabytes, the smaller reading.
  maxBytes: 100_000_000 - 1,
  // Replicate stores any file (its `type` defaults to application/octet-stream): models check their inputs.
  accepted: null,
  fields: [
    {
      name: "metadata",
      required: false,
      description:
        'A JSON object Replicate keeps with the file (sent as JSON text), e.g. {"customer_id":123}.',
      format: "json-object",
    },
  ],
  body: "multipart",
  // Each answer carries its own expires_at (the adapter passes it on): no fixed retention is documented.
  retentionSeconds: null,
  dev: {
    sandboxPath: "/replicate/v1",
    sandboxKey: "sandbox-replicate-key",
    sample: { ext: "png", type: "image/png", fields: { metadata: '{"customer_id":123}' } },
    // Replicate has no failures inside a success: its errors are HTTP statuses with problem+json.
    inBandStatus: 500,
  },
} as const satisfies Capability;
