// Jimmy AI's facts: https://docs.jimmyai.cn/en/api-reference/files/upload (specs/jimmy.yaml).
import type { Extension } from "../../core/media.ts";
import { type Capability, MB } from "../kit/capability.ts";

export default {
  id: "jimmy",
  name: "Jimmy AI",
  docs: "https://docs.jimmyai.cn/en/api-reference/files/upload",
  spec: "jimmy.yaml",
  defaultBaseUrl: "https://www.jimmyai.cn",
  // "Maximum file size is 100 MB" (binary megabytes assumed; the documented example sizes are bytes).
  maxBytes: 100 * MB,
  accepted: [
    ...["jpg", "jpeg", "png", "gif", "webp", "bmp", "svg"],
    ...["mp4", "mov", "avi", "webm", "mkv", "m4v", "flv"],
    ...["mp3", "wav", "aac", "m4a", "flac", "ogg"],
  ] as Extension[],
  fields: [],
  body: "multipart",
  retentionSeconds: null,
  dev: {
    sandboxPath: "/jimmy",
    sandboxKey: "sandbox-jimmy-key",
    sample: { ext: "png", type: "image/png", fields: {} },
    inBandStatus: 200,
  },
} as const satisfies Capability;
