// Receiving one upload from its request: the path shared by direct uploads (gateway key) and signed upload
// URLs (a token's policy). The request's head is read here (./intake.ts) and every arrival of its body is
// watched; the file itself goes on through ingest (./ingest.ts), the one pipeline every upload takes.
import { watchArrivals } from "../../core/body";
import { type Env, idleTimeoutMs, maxRequestBytes, publicOrigin } from "../../core/config";
import { GatewayError } from "../../core/errors";
import { capability } from "../../providers/table";
import { ingest, type ReceiveRequest, type UploadResult } from "./ingest";
import { readIntake } from "./intake";

export { httpStatusOf, type ReceiveRequest, type UploadResult } from "./ingest";

export async function receive(request: Request, env: Env, req: ReceiveRequest): Promise<UploadResult> {
  const cap = capability(req.provider);
  const policy = req.policy;
  // Checked before a byte is read: a staged file's signed URL starts with it.
  const origin = publicOrigin(request, env);
  // Every reader of the body (multipart head, digest, sniffing, the file) is held to "no byte for
  // IDLE_TIMEOUT_MS", each arrival counting, and reports arrivals (a signed upload's claim renewal).
  const idleMs = idleTimeoutMs(env);
  let arrived = 0;
  watchArrivals(request.body, {
    idleMs,
    stalled: () =>
      new GatewayError("upload_stalled", `No bytes arrived for ${idleMs} ms; the upload was cut.`),
    onBytes: (bytes) => {
      arrived += bytes;
      req.watch?.onProgress?.(arrived);
      req.onArrival?.(arrived);
    },
  });
  const intake = await readIntake(request, {
    provider: cap,
    maxRequestBytes: maxRequestBytes(env),
    ...(policy ? { maxFileBytes: policy.maxBytes, filename: policy.filename } : {}),
  });
  return ingest(env, req, { ...intake, surface: intake.form, origin });
}
