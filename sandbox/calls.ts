// A provider's calls other than its upload (SandboxProvider.calls): delete, and the steps of a multi-step
// upload. Authorized with the provider's key as it reads it, logged for GET /__sandbox/calls and the tests.
import type { ProviderId } from "../worker/providers/kit/capability";
import { bearer, type SandboxIo, type SandboxProvider } from "./kit";

/** A call other than an upload, as received: for GET /__sandbox/calls and tests. */
export interface Call {
  provider: ProviderId;
  at: string;
  method: string;
  path: string;
  body: string;
  status: number;
}

export const calls: Call[] = [];

/** The key a request carries, as `provider` reads it. */
export const credential = (provider: SandboxProvider, request: Request, url: URL) =>
  provider.credential ? provider.credential(request, url) : bearer(request);

/**
 * Whether `provider` takes this request's credentials: its own rule (fal: `Key <key>`, or its signed URL's
 * token), else the key it reads (`credential`, default the bearer token) against its key.
 */
export const authorized = (provider: SandboxProvider, request: Request, url: URL) =>
  provider.authorized
    ? provider.authorized(request, url)
    : credential(provider, request, url) === provider.key;

const refused = (provider: SandboxProvider) =>
  provider.dialect.unauthorized?.() ?? provider.dialect.error(401, "Unauthorized");

/** The answer of the call `request` makes, or null when it is none of them. */
export async function otherCall(
  providers: readonly SandboxProvider[],
  request: Request,
  url: URL,
  io: SandboxIo,
): Promise<Response | null> {
  for (const provider of providers) {
    for (const c of provider.calls ?? []) {
      const match = c.path.exec(url.pathname);
      if (!match || c.method !== request.method || (c.when && !c.when(request))) continue;
      const allowed = authorized(provider, request, url);
      let body = "(streamed)";
      let response: Response;
      if (c.stream && allowed) response = await c.stream(request, match, url, io);
      else {
        const bytes = c.binary ? new Uint8Array(await request.arrayBuffer()) : undefined;
        body = bytes ? "" : await request.text();
        response = allowed && c.handle ? c.handle(body, match, url, request, bytes) : refused(provider);
      }
      const path = url.pathname + url.search;
      const at = new Date().toISOString();
      calls.push({ provider: provider.id, at, method: c.method, path, body, status: response.status });
      if (calls.length > 1000) calls.shift();
      return response;
    }
  }
  return null;
}
