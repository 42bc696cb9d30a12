// tus 1.0.0 (https://tus.io/protocols/resumable-upload): versions, extensions and header parsing.
import { GatewayError } from "../../core/errors";

export const TUS_VERSION = "1.0.0";
export const TUS_EXTENSIONS =
  "creation,creation-with-upload,creation-defer-length,termination,expiration,checksum,concatenation";
/**
 * On the upload object's answer to the Worker only (never to a client): the length a PATCH has just
 * declared for a deferred upload, which the Worker then counts against quotas (http/routes/tus.ts).
 */
export const LENGTH_DECLARED = "x-mediagate-length-declared";
export const TUS_CHECKSUMS = "sha1,sha256";
export const OFFSET_OCTET_STREAM = "application/offset+octet-stream";
/** Headers tus clients read; exposed to browsers. */
export const TUS_EXPOSED =
  "location, upload-offset, upload-length, upload-expires, upload-metadata, upload-concat, tus-version, tus-resumable, tus-extension, tus-max-size, tus-checksum-algorithm";
export const TUS_ALLOWED =
  "authorization, content-type, upload-length, upload-offset, upload-metadata, upload-checksum, upload-defer-length, upload-concat, tus-resumable, x-http-method-override, x-requested-with";

/** Headers every tus answer carries. */
export const tusHeaders = (extra: Record<string, string> = {}) => ({
  "tus-resumable": TUS_VERSION,
  ...extra,
});

/** A non-negative integer header, or undefined when absent; malformed values are a 400. */
export function intHeader(headers: Headers, name: string): number | undefined {
  const value = headers.get(name);
  if (value === null) return undefined;
  if (!/^\d{1,16}$/.test(value.trim()))
    throw new GatewayError("malformed_body", `${name} must be a non-negative integer.`);
  return Number(value.trim());
}

/** Upload-Metadata: comma-separated `key base64value` pairs (the value may be absent). */
export function parseMetadata(header: string | null): Record<string, string> {
  const out: Record<string, string> = {};
  if (!header?.trim()) return out;
  for (const pair of header.split(",")) {
    const [key, value, ...rest] = pair.trim().split(" ");
    if (!key || rest.length || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(key)) {
      throw new GatewayError("malformed_body", "Upload-Metadata is not a list of `key base64value` pairs.");
    }
    if (Object.hasOwn(out, key))
      throw new GatewayError("malformed_body", `Upload-Metadata repeats "${key}".`);
    try {
      out[key] = value
        ? new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(
            Uint8Array.from(atob(value), (c) => c.charCodeAt(0)),
          )
        : "";
    } catch {
      throw new GatewayError("malformed_body", `Upload-Metadata "${key}" is not base64 of UTF-8 text.`);
    }
  }
  return out;
}

/** Upload-Checksum: `<algorithm> <base64 digest>`, sha1 or sha256. */
export function parseChecksum(
  header: string | null,
): { algorithm: "SHA-1" | "SHA-256"; digest: Uint8Array } | undefined {
  if (header === null) return undefined;
  const [name, value] = header.trim().split(" ");
  const algorithm = name === "sha1" ? "SHA-1" : name === "sha256" ? "SHA-256" : undefined;
  if (!algorithm)
    throw new GatewayError("malformed_body", `Upload-Checksum algorithm must be one of ${TUS_CHECKSUMS}.`);
  try {
    return { algorithm, digest: Uint8Array.from(atob(value ?? ""), (c) => c.charCodeAt(0)) };
  } catch {
    throw new GatewayError("malformed_body", "Upload-Checksum digest is not base64.");
  }
}
