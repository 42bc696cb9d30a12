// The emulator's multipart reader: busboy, a parser neither the gateway nor the sandbox Worker wrote, so
// what the gateway's encoder sends is judged by a third party. Set up to report what was sent as it was
// sent: UTF-8 parameters as browsers write them (defParamCharset), and filenames with their path
// characters kept (preservePath; by default busboy strips everything up to the last / or \). Unlike the
// sandbox's reader, busboy reads backslash escapes in quoted values, and gives a file part without a
// Content-Type as text/plain.

import { Readable } from "node:stream";
import { finished, pipeline } from "node:stream/promises";
import busboy from "busboy";
import type { MultipartReader } from "../../sandbox/providers";

export const readMultipartWithBusboy: MultipartReader = (body, contentType) =>
  new Promise((resolve, reject) => {
    const form = busboy({
      headers: { "content-type": contentType },
      defParamCharset: "utf8",
      preservePath: true,
      limits: { fieldSize: 64 * 1024 },
    });
    const fields: Record<string, string> = {};
    let file = false;
    let late = false;
    // Resolves once busboy has read the whole body and found it well formed (closing boundary included).
    const whole = finished(form);
    whole.catch(() => {});
    form.on("field", (name, value) => {
      if (file) late = true;
      else fields[name] = value;
    });
    form.on("file", (name, stream, info) => {
      if (file) {
        late = true;
        stream.resume();
        return;
      }
      file = true;
      // The file's stream ends only when the rest of the body is intact; a part after the file is refused,
      // as the sandbox's own reader refuses it (the gateway sends text fields first).
      const intact = new TransformStream<Uint8Array, Uint8Array>({
        async flush() {
          await whole;
          if (late) throw new Error("multipart: a part follows the file");
        },
      });
      resolve({
        fields: { ...fields },
        file: {
          name,
          filename: info.filename ?? null,
          type: info.mimeType,
          stream: (Readable.toWeb(stream) as ReadableStream<Uint8Array>).pipeThrough(intact),
        },
      });
    });
    whole.then(
      () => resolve({ fields, file: null }),
      (error) => reject(error),
    );
    pipeline(Readable.fromWeb(body as import("node:stream/web").ReadableStream<Uint8Array>), form).catch(
      () => {},
    );
  });
