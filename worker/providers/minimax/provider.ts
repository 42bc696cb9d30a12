// MiniMax's facts: https://platform.minimax.io/docs/api-reference/file-management-upload (specs/minimax.yaml).
import type { Capability } from "../kit/capability.ts";

export default {
  id: "minimax",
  name: "MiniMax",
  docs: "https://platform.minimax.io/docs/api-reference/file-management-upload",
  spec: "minimax.yaml",
  defaultBaseUrl: "https://api.minimax.io",
  // MiniMax documents no size limit: MAX_REQUEST_BYTES (and RESUMABLE_MAX_BYTES) apply.
  maxBytes: null,
  accepted: ["mp3", "m4a", "wav", "txt", "zip", "mp4", "avi", "mov", "mkv"],
  fields: [
    {
      name: "purpose",
      required: true,
      description: "What the file is for; each purpose takes its own formats.",
      values: [
        { value: "voice_clone", extensions: ["mp3", "m4a", "wav"] },
        { value: "prompt_audio", extensions: ["mp3", "m4a", "wav"] },
        // Long-text TTS input: MiniMax's async T2A guide takes .txt or a .zip of texts.
        { value: "t2a_async_input", extensions: ["txt", "zip"] },
        { value: "video_understanding", extensions: ["mp4", "avi", "mov", "mkv"] },
      ],
    },
  ],
  body: "multipart",
  retentionSeconds: null,
  dev: {
    sandboxPath: "/minimax",
    sandboxKey: "sandbox-minimax-key",
    sample: { ext: "mp3", type: "audio/mpeg", fields: { purpose: "voice_clone" } },
    inBandStatus: 200,
  },
} as const satisfies Capability;
