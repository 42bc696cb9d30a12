// A tus upload (https://tus.io/protocols/resumable-upload) through tus-js-client, resumed from an earlier
// upload of the same content where the URL storage remembers one. What "the same content" means, and why it
// is not tus-js-client's own fingerprint: sources.ts.
import * as tus from "tus-js-client";
import { abortError, networkError, problemError, toMediagateError } from "./errors";
import { progressReporter } from "./single";
import { contentKey } from "./sources";
import type { Source, TransferOptions } from "./types";

export interface TusRequest {
  endpoint: string;
  source: Source;
  metadata: Record<string, string>;
  headers: Record<string, string>;
  chunkSize: number;
  /** Where upload URLs are remembered across restarts; undefined: never resume. */
  urlStorage: tus.UrlStorage | undefined;
  opts: TransferOptions;
  /** Parts sent at once (tus concatenation); 1: one sequence of PATCHes. */
  parallel: number;
}

/** Versions the fingerprint: entries stored under another scheme (tus-js-client's own) are never resumed. */
const SCHEME = "mediagate-content-v1";

/** Uploads `source` through tus; resolves with the upload URL. */
export async function viaTus(request: TusRequest): Promise<string> {
  const { endpoint, source, headers, chunkSize, urlStorage, opts, parallel } = request;
  const { signal } = opts;
  const { sha256, key } = await contentKey(source, opts.sha256, source.resumable && urlStorage !== undefined);
  // The gateway checks the staged file against it before delivering (a mismatch is digest_mismatch).
  const metadata = { ...request.metadata, ...(sha256 === undefined ? {} : { sha256 }) };
  const resumable = key !== undefined && urlStorage !== undefined;
  // The endpoint and the metadata (provider, options, filename; the ticket, in a tus_url) are part of it too:
  // the same file sent elsewhere, or with other options, is another upload. Node's FileUrlStorage finds
  // entries by prefix; ending in a whole JSON object, no fingerprint is a prefix of another.
  const fingerprint = [SCHEME, key, source.size, endpoint, parallel, JSON.stringify(metadata)].join(" ");
  const report = progressReporter(source.size, "tus", opts.onProgress);
  return new Promise<string>((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal.reason));
    const upload = new tus.Upload(source.tusInput() as Blob, {
      endpoint,
      // Parallel parts are slices of the input, each of known size (tus-js-client refuses uploadSize then).
      ...(parallel > 1 ? { parallelUploads: parallel } : { uploadSize: source.size }),
      chunkSize,
      metadata,
      headers,
      retryDelays: [0, 1000, 3000, 5000],
      removeFingerprintOnSuccess: true,
      storeFingerprintForResuming: resumable,
      ...(resumable ? { urlStorage } : {}),
      fingerprint: async () => (resumable ? fingerprint : (null as unknown as string)),
      onProgress: (sent) => report(sent),
      onSuccess: () => {
        report(source.size);
        resolve(upload.url ?? "");
      },
      onError: (error) => {
        const response = (error as tus.DetailedError).originalResponse;
        if (signal?.aborted) return reject(abortError(error));
        if (response) {
          let body: unknown = response.getBody();
          try {
            body = JSON.parse(String(body));
          } catch {}
          return reject(problemError(response.getStatus(), body, response.getHeader("retry-after")));
        }
        reject(networkError(error));
      },
    });
    signal?.addEventListener(
      "abort",
      () => {
        upload.abort(opts.terminateOnAbort === true).catch(() => {});
        reject(abortError(signal.reason));
      },
      { once: true },
    );
    const start = async () => {
      if (resumable) {
        const previous = await upload.findPreviousUploads();
        const last = previous[0];
        if (last) {
          upload.resumeFromPreviousUpload(last);
          // In parallel, each part asks for its own offset: the upload resumes at their sum, once all have.
          let heads = 0;
          let offset = 0;
          upload.options.onAfterResponse = (req, res) => {
            if (req.getMethod() !== "HEAD" || res.getStatus() >= 300) return;
            offset += Number(res.getHeader("upload-offset") ?? 0);
            if (++heads === parallel) opts.onResume?.(offset);
          };
        }
      }
      upload.start();
    };
    start().catch((error) => reject(toMediagateError(error, signal)));
  });
}
