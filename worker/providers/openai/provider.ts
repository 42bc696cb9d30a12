// OpenAI's facts: https://platform.openai.com/docs/api-reference/files/create (specs/openai.yaml, from
// openai/openai-openapi), and the Uploads API for files above one request.
import type { Capability } from "../kit/capability.ts";

/** The documented purposes; each restricts formats of its own, which OpenAI checks (user_data takes any). */
const PURPOSES = ["assistants", "batch", "fine-tune", "vision", "user_data", "evals"] as const;

export default {
  id: "openai",
  name: "OpenAI",
  docs: "https://platform.openai.com/docs/api-reference/files/create",
  spec: "openai.yaml",
  defaultBaseUrl: "https://api.openai.com/v1",
  // An Upload "can accept at most 8 GB in total" (read as decimal); R2 staging caps tus below it.
  maxBytes: 8_000_000_000,
  accepted: null,
  fields: [
    {
      name: "purpose",
      required: true,
      description: "What the file is for (OpenAI's purposes); OpenAI checks each purpose's formats.",
      values: PURPOSES.map((value) => ({ value })),
    },
    {
      name: "expires_after",
      required: false,
      description: "Seconds after creation when OpenAI deletes the file (3600 to 2592000).",
      range: { min: 3600, max: 2_592_000 },
    },
  ],
  body: "multipart",
  // Kept until deleted, unless expires_after says otherwise (batch files: 30 days); the answer's expires_at
  // is recorded when it has one.
  retentionSeconds: null,
  // Above one request's 512 MB the Uploads API declares the exact size first (./adapter.ts).
  exactAboveBytes: 512_000_000,
  dev: {
    sandboxPath: "/openai/v1",
    sandboxKey: "sandbox-openai-key",
    sample: { ext: "png", type: "image/png", fields: { purpose: "user_data" } },
    // OpenAI has no in-band failures: its errors are HTTP statuses.
    inBandStatus: 500,
  },
} as const satisfies Capability;
