// Staged copies in R2: their keys, the UploadResult (a provider's answer, or a signed URL to the staged copy
// where the provider takes one instead of an upload: WaveSpeed over 300 MB), and staging a single request's
// body (its exact length known).
import type { components } from "../../../generated/gateway";
import { chunkReader } from "../../core/bytes";
import type { Env } from "../../core/config";
import { toHex } from "../../core/crypto";
import { LIMITS } from "../../core/limits";
import type { FileInfo } from "../../core/media";
import type { ChunkSource } from "../../core/stages";
import type { ProviderId } from "../../providers/kit/capability";
import { encodeRaw } from "../../providers/kit/encode";
import type { Delivered } from "../../providers/kit/types";
import { capability } from "../../providers/table";
import type { Piece } from "./concat";
import { signContentUrl } from "./signed-url";

type UploadResult = components["schemas"]["UploadResult"];

export const STAGED_RETENTION_MS = LIMITS.stagedRetentionMs;

export const stagedKey = (id: string) => `uploads/${id}`;

export interface StagedFile {
  readonly id: string;
  readonly file: FileInfo;
  /** The gateway's public origin, for signed URLs. */
  readonly origin: string;
  readonly stagedAt: number;
  /** What the file's first bytes showed (core/sniff.ts), once sniffed; null: no known format. */
  readonly detected?: string | null;
  /** The bytes' SHA-256 (hex), when already known (kept with the upload's record); else hashed from R2. */
  readonly sha256?: string;
  /** A concatenated file's pieces, read in order (./concat.ts); else the file is the object at stagedKey. */
  readonly pieces?: readonly Piece[];
}

/** Whether the provider gets a URL to the staged copy instead of an upload (WaveSpeed over 300 MiB). */
export function takesUrl(provider: ProviderId, size: number): boolean {
  const above = capability(provider).urlAboveBytes;
  return above !== undefined && size > above;
}

/**
 * SHA-256 of a stream, hashed natively by a DigestStream fed in large reads from a ring of reused buffers
 * (core/bytes.ts), each write awaited: flat memory, and less CPU than pipeTo into the DigestStream, which
 * moves the bytes in small chunks (platform notes).
 */
export async function sha256Of(stream: ReadableStream<Uint8Array>): Promise<string> {
  const digest = new crypto.DigestStream("SHA-256");
  const hasher = digest.getWriter();
  const reader = chunkReader(stream, { recycle: true });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      await hasher.write(value);
    }
    await hasher.close();
  } catch (error) {
    await reader.cancel(error).catch(() => {});
    await hasher.abort(error).catch(() => {});
    throw error;
  }
  return toHex(await digest.digest);
}

export function fileOf(staged: StagedFile, sha256: string): UploadResult["file"] {
  const f = staged.file;
  return {
    name: f.name,
    size: f.size,
    mime_type: f.mimeType,
    kind: f.kind,
    sha256,
    detected_type: staged.detected ?? null,
  };
}

/**
 * The result for a provider that took the file (a direct upload's or a delivery's): one builder, so every
 * path answers the same shape; expires_at from the provider's answer, else its documented retention.
 */
export function uploadedResult(
  ids: { readonly id: string; readonly uploadId: string },
  provider: ProviderId,
  file: UploadResult["file"],
  delivered: Delivered,
): UploadResult {
  const retention = capability(provider).retentionSeconds;
  const documented = retention === null ? null : new Date(Date.now() + retention * 1000).toISOString();
  return {
    id: ids.id,
    upload_id: ids.uploadId,
    provider,
    status: "uploaded",
    file,
    provider_file_id: delivered.providerFileId,
    url: delivered.url,
    reference: delivered.reference,
    expires_at: delivered.expiresAt ?? documented,
    provider_response: delivered.response,
  };
}

/** The result for a provider handed a signed URL to the staged copy. */
export async function stagedResult(
  env: Env,
  staged: StagedFile,
  provider: ProviderId,
  sha256: string,
  id: string = staged.id,
): Promise<UploadResult> {
  const expires = new Date(staged.stagedAt + STAGED_RETENTION_MS);
  const url = await signContentUrl(staged.origin, staged.id, expires, env.SIGNING_SECRET ?? "");
  return {
    id,
    upload_id: staged.id,
    provider,
    status: "staged",
    file: fileOf(staged, sha256),
    provider_file_id: null,
    url,
    reference: url,
    expires_at: expires.toISOString(),
    provider_response: {},
  };
}

/**
 * A single-request upload that the provider takes as a URL (MAX_REQUEST_BYTES let it through): the metered
 * body is streamed into R2 with its exact length, and the provider gets the signed URL. `sha256` is the
 * meter's (the bytes are hashed once, on their way). Each chunk is written and awaited before the next is
 * read, as for a provider (providers/kit/encode.ts): a pipeTo paces itself on the writer's `ready`, which workerd's
 * FixedLengthStream resolves without waiting (platform notes), so a client faster than R2 could queue in
 * memory. The daily sweep deletes the copy after retention.
 */
export async function stageDirect(
  env: Env,
  staged: StagedFile,
  provider: ProviderId,
  stream: ChunkSource,
  sha256: Promise<string>,
) {
  const controller = new AbortController();
  const body = encodeRaw(
    { name: staged.file.name, type: staged.file.mimeType, size: staged.file.size, stream },
    controller.signal,
  );
  try {
    await env.STAGING.put(stagedKey(staged.id), body.stream, {
      httpMetadata: { contentType: staged.file.mimeType },
      customMetadata: { filename: staged.file.name },
    });
  } catch (error) {
    controller.abort(error);
    throw error;
  }
  return stagedResult(env, staged, provider, await sha256);
}
