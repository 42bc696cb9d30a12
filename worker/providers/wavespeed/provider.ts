// WaveSpeedAI's facts: https://wavespeed.ai/docs/how-to-upload-files-api (specs/wavespeed.yaml).
import type { Extension } from "../../core/media.ts";
import { type Capability, DAY_SECONDS, MB } from "../kit/capability.ts";

export default {
  id: "wavespeed",
  name: "WaveSpeedAI",
  docs: "https://wavespeed.ai/docs/how-to-upload-files-api",
  spec: "wavespeed.yaml",
  defaultBaseUrl: "https://api.wavespeed.ai",
  maxBytes: null,
  accepted: [
    ...["jpg", "jpeg", "png", "webp", "gif", "bmp", "tiff", "tif"],
    ...["mp4", "avi", "mov", "wmv", "flv", "webm", "mkv", "3gp", "ogv"],
    ...["mp3", "wav", "ogg", "aac", "flac", "m4a", "opus"],
  ] as Extension[],
  fields: [],
  body: "multipart",
  // "Files are kept for 7 days."
  retentionSeconds: 7 * DAY_SECONDS,
  // WaveSpeed advises URL input over 300 MB (read as MiB).
  urlAboveBytes: 300 * MB,
  dev: {
    sandboxPath: "/wavespeed",
    sandboxKey: "sandbox-wavespeed-key",
    sample: { ext: "png", type: "image/png", fields: {} },
    inBandStatus: 200,
  },
} as const satisfies Capability;
