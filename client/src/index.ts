// @mediagate/client for browsers, React Native and workerd: progress from XMLHttpRequest upload events where
// there is one; tus upload URLs remembered in localStorage (tus-js-client's browser default).
import * as tus from "tus-js-client";
import { createCore, type Mediagate, type MediagateOptions, type Uploaded } from "./core";

export * from "./core";
export * from "./errors";

export function createMediagate(options: MediagateOptions): Mediagate {
  return createCore(options, {
    bytesForTus: (bytes) => new Blob([bytes as Uint8Array<ArrayBuffer>]),
    countedStreams: false,
    // tus-js-client's own default: localStorage in browsers (none where there is no storage).
    defaultUrlStorage: () => tus.defaultOptions.urlStorage,
  });
}

/** App side, with no key: `uploadWithTicket(ticket, file, { onProgress })`. The base URL is the ticket's. */
export function uploadWithTicket(...args: Parameters<Mediagate["uploadWithTicket"]>): Promise<Uploaded> {
  return createMediagate({ baseUrl: new URL(args[0].upload_url).origin }).uploadWithTicket(...args);
}
