// tus concatenation (https://tus.io/protocols/resumable-upload#concatenation): partial uploads, sent in
// parallel and without metadata (tus-js-client's parallelUploads), then a final upload that names them in
// order, with the provider and file in its own Upload-Metadata. The final upload's bytes are the partials'
// objects, read in order (staging/concat.ts): nothing is copied.
import { GatewayError } from "../../core/errors";
import { LIMITS } from "../../core/limits";
import type { PieceRefusal } from "../records/tus";

export type Concat = { readonly kind: "partial" } | { readonly kind: "final"; readonly ids: string[] };

const UPLOAD_PATH = /^\/v1\/tus\/([0-9a-f-]{36})$/;

/** Upload-Concat: `partial`, or `final;<url> <url> …` (absolute URLs or paths, as tus clients send them). */
export function parseConcat(header: string | null, base: string): Concat | undefined {
  if (header === null) return undefined;
  const value = header.trim();
  if (value === "partial") return { kind: "partial" };
  if (!value.startsWith("final;"))
    throw new GatewayError("invalid_field", 'Upload-Concat is "partial" or "final;<upload URLs>".');
  const urls = value.slice("final;".length).trim().split(/\s+/).filter(Boolean);
  if (urls.length === 0 || urls.length > LIMITS.concatMaxPartials) {
    const detail = `a final upload names 1 to ${LIMITS.concatMaxPartials} partial uploads`;
    throw new GatewayError("invalid_field", `Upload-Concat: ${detail}.`);
  }
  const ids = urls.map((url) => {
    let path: string | undefined;
    try {
      path = new URL(url, base).pathname;
    } catch {}
    const id = path ? UPLOAD_PATH.exec(path)?.[1] : undefined;
    if (!id) throw new GatewayError("invalid_field", `Upload-Concat: "${url}" is not an upload URL here.`);
    return id;
  });
  if (new Set(ids).size !== ids.length)
    throw new GatewayError("invalid_field", "Upload-Concat names a partial upload twice.");
  return { kind: "final", ids };
}

const REFUSED: Record<PieceRefusal, string> = {
  unknown: "No such upload.",
  gone: "This partial upload was terminated or has expired.",
  unfinished: "This partial upload has not received all its bytes yet.",
  not_partial: "This upload was not created with Upload-Concat: partial.",
  used: "This partial upload is already part of another final upload.",
  complete: "No such upload.",
  expired: "This partial upload has expired.",
  in_use: "This partial upload is in use.",
  exhausted: "No such upload.",
};

/** The problem for a partial that can't be concatenated: another owner's is as unknown as none (404). */
export function pieceRefused(why: PieceRefusal): GatewayError {
  const code =
    why === "unknown" || why === "exhausted"
      ? "not_found"
      : why === "gone" || why === "expired"
        ? "upload_gone"
        : "invalid_field";
  return new GatewayError(code, REFUSED[why]);
}
