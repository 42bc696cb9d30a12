// useapi.net's facts (MiniMax through useapi): https://useapi.net/docs/api-minimax-v1/post-minimax-files
// (specs/useapi.yaml).
import type { Capability } from "../kit/capability.ts";

export default {
  id: "useapi",
  name: "useapi.net (MiniMax)",
  docs: "https://useapi.net/docs/api-minimax-v1/post-minimax-files",
  spec: "useapi.yaml",
  defaultBaseUrl: "https://api.useapi.net",
  // "up to 5GB": decimal gigabytes, which also stays under R2's 4.995 GiB single-put ceiling.
  maxBytes: 5_000_000_000,
  accepted: ["png", "jpeg", "jpg", "webp", "mp3", "wav", "mp4"],
  fields: [
    {
      name: "account",
      required: false,
      description: "hailuoai.video account; needed when several are configured. Defaults to USEAPI_ACCOUNT.",
      defaultVar: "USEAPI_ACCOUNT",
    },
  ],
  body: "raw",
  retentionSeconds: null,
  dev: {
    sandboxPath: "/useapi",
    sandboxKey: "sandbox-useapi-key",
    vars: { USEAPI_ACCOUNT: "sandbox-account" },
    sample: { ext: "png", type: "image/png", fields: {} },
    inBandStatus: 200,
  },
} as const satisfies Capability;
