// fal.ai's facts: https://docs.fal.ai/documentation/model-apis/fal-cdn (specs/fal.yaml, from fal's own client).
import type { Capability } from "../kit/capability.ts";

export default {
  id: "fal",
  name: "fal.ai",
  docs: "https://docs.fal.ai/documentation/model-apis/fal-cdn",
  spec: "fal.yaml",
  // The host fal's client uses since fal-js #198 (rest.alpha.fal.ai before).
  defaultBaseUrl: "https://rest.fal.ai",
  // fal documents no limit. As its client, the gateway sends files up to 90 MiB in one signed PUT and larger
  // ones through initiate-multipart in 10 MiB parts (./parts.ts); MAX_REQUEST_BYTES and tus's limit apply.
  maxBytes: null,
  // The CDN stores any file; models check their inputs.
  accepted: null,
  fields: [],
  body: "raw",
  // Not documented (fal's client can ask for an expiry with a lifecycle header; the gateway sends none).
  retentionSeconds: null,
  dev: {
    sandboxPath: "/fal",
    sandboxKey: "sandbox-fal-key",
    sample: { ext: "png", type: "image/png", fields: {} },
    // fal has no failures inside a success: its errors are HTTP statuses.
    inBandStatus: 500,
  },
} as const satisfies Capability;
