// WaveSpeedAI as the sandbox plays it (https://wavespeed.ai/docs/how-to-upload-files-api): multipart
// `file`, the image/video/audio formats the document lists, `{ code, message }` errors. Transcribed from
// the document, not from ./provider.ts (see sandbox/kit.ts).

import provider from "../../worker/providers/wavespeed/provider";
import { ext, fileUrl, json, type SandboxProvider } from "../kit";

const KINDS: Record<string, string[]> = {
  image: "jpg jpeg png webp gif bmp tiff tif".split(" "),
  video: "mp4 avi mov wmv flv webm mkv 3gp ogv".split(" "),
  audio: "mp3 wav ogg aac flac m4a opus".split(" "),
};

const error = (status: number, message: string) => json({ code: status, message }, status);

export default {
  id: "wavespeed",
  key: provider.dev.sandboxKey,
  paths: ["/wavespeed/api/v3/media/upload/binary"],
  body: "multipart",
  dialect: {
    error,
    inBand: () => json({ code: 400, message: "Invalid file or format not supported" }),
  },
  accept(upload, url) {
    const name = upload.filename ?? "";
    const kind = Object.entries(KINDS).find(([, list]) => list.includes(ext(name)))?.[0];
    if (!kind) return error(400, "Invalid file or format not supported");
    return json({
      code: 200,
      message: "success",
      data: {
        type: kind,
        download_url: fileUrl("wavespeed", url, upload),
        filename: name,
        size: upload.bytes,
      },
    });
  },
} satisfies SandboxProvider;
