// Google Gemini's facts: https://ai.google.dev/api/files (specs/gemini.yaml): the Files API's resumable
// upload, 2 GB per file, kept 48 hours.
import { type Capability, DAY_SECONDS } from "../kit/capability.ts";

export default {
  id: "gemini",
  name: "Google Gemini",
  docs: "https://ai.google.dev/api/files",
  spec: "gemini.yaml",
  defaultBaseUrl: "https://generativelanguage.googleapis.com",
  // "a maximum of 2 GB per individual file", read as decimal.
  maxBytes: 2_000_000_000,
  // Gemini checks MIME types itself (its supported formats differ per model).
  accepted: null,
  fields: [
    {
      name: "display_name",
      required: false,
      description: "The File's human-readable name (at most 512 characters); defaults to the filename.",
    },
  ],
  // The bytes go as the raw body of the session's `upload, finalize` request.
  body: "raw",
  // "Files are stored for 48 hours."
  retentionSeconds: 2 * DAY_SECONDS,
  dev: {
    sandboxPath: "/gemini",
    sandboxKey: "sandbox-gemini-key",
    sample: { ext: "png", type: "image/png", fields: {} },
    // Gemini has no in-band failures: its errors are HTTP statuses.
    inBandStatus: 500,
  },
} as const satisfies Capability;
