// @mediagate/client for Node 20+: paths as input (streamed, never read whole), progress counted as the network
// takes the bytes, and tus upload URLs remembered in a file so an interrupted upload resumes after a restart.
import { createHash } from "node:crypto";
import { createReadStream, mkdirSync } from "node:fs";
import { stat } from "node:fs/promises";
import { homedir } from "node:os";
import { basename, join, resolve } from "node:path";
import { Readable } from "node:stream";
import * as tus from "tus-js-client";
import { createCore, type Mediagate, type MediagateOptions, type Source, type Uploaded } from "./core";
import { inputError } from "./errors";

export * from "./core";
export * from "./errors";

/** ~/.mediagate/tus-uploads.json, or MEDIAGATE_STATE_DIR. */
export function defaultUrlStoragePath(): string {
  const dir = process.env.MEDIAGATE_STATE_DIR ?? join(homedir(), ".mediagate");
  mkdirSync(dir, { recursive: true });
  return join(dir, "tus-uploads.json");
}

/** Hex SHA-256 of a stream, in one pass of bounded memory. */
async function hashStream(stream: AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of stream as AsyncIterable<Uint8Array>) hash.update(chunk);
  return hash.digest("hex");
}

async function openPath(path: string): Promise<Source> {
  const full = resolve(path);
  const info = await stat(full).catch((error: unknown) => {
    throw inputError(path, error);
  });
  if (!info.isFile()) throw inputError(path);
  let sha256: Promise<string> | undefined;
  return {
    size: info.size,
    name: basename(full),
    type: undefined,
    stream: () => Readable.toWeb(createReadStream(full)) as ReadableStream<Uint8Array>,
    // tus-js-client reads an fs.ReadStream by its path: slices on demand.
    tusInput: () => createReadStream(full),
    // Resumed by its content's SHA-256, not by path, size and mtime (tus-js-client's own): a file rewritten
    // with the same size and mtime (`cp -p`, an editor that keeps timestamps, two writes within the clock's
    // granularity) is another file. Costs one more read of the file before a tus upload.
    resumable: true,
    // Hashed for one request too (up to PATH_DIGEST_MAX, sources.ts): a re-upload is then deduplicated.
    onDisk: true,
    sha256: () => {
      sha256 ??= hashStream(createReadStream(full));
      return sha256;
    },
  };
}

type FileUrlStorageClass = new (path: string) => tus.UrlStorage;

export function createMediagate(options: MediagateOptions): Mediagate {
  return createCore(options, {
    openPath,
    defaultUrlStorage: () =>
      new (tus as unknown as { FileUrlStorage: FileUrlStorageClass }).FileUrlStorage(defaultUrlStoragePath()),
    bytesForTus: (bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    countedStreams: true,
    hashStream,
  });
}

export function uploadWithTicket(...args: Parameters<Mediagate["uploadWithTicket"]>): Promise<Uploaded> {
  return createMediagate({ baseUrl: new URL(args[0].upload_url).origin }).uploadWithTicket(...args);
}
