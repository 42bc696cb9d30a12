// fal.ai storage as the sandbox plays it (specs/fal.yaml, from fal's client, fal-js storage.ts):
// POST /storage/upload/initiate[?storage_type=fal-cdn-v3] with `Authorization: Key <key>` and JSON
// { content_type, file_name } → { upload_url, file_url }; the upload_url is the sandbox's own signed URL
// (its token binds the key, name and type), which takes the bytes in a PUT with that Content-Type and no
// Authorization, as a signed storage URL does. Errors { detail } (FastAPI's; its 422 lists fields).
// Scenarios at the initiate step: a file_name containing sandbox-initiate-<error|rate-limit|not-json|bad-url>,
// and sandbox-not-json; every other scenario plays at the PUT. Transcribed from fal's client, not from ./provider.ts (see kit.ts).

import { createHash } from "node:crypto";
import provider from "../../worker/providers/fal/provider";
import { json, type SandboxProvider } from "../kit";

const error = (status: number, detail: unknown, headers: Record<string, string> = {}) =>
  json({ detail }, status, headers);
const message = (status: number, text: string) => error(status, text);

const PUT_PATH = "/fal/__cdn/upload";

/** The signed URL's token: only the key that initiated can produce it, for this name and type. */
function token(name: string, type: string): string {
  const hash = createHash("sha256");
  hash.update(new TextEncoder().encode(`${provider.dev.sandboxKey}\n${name}\n${type}`));
  return hash.digest("hex");
}

function initiate(body: string, url: URL): Response {
  const storage = url.searchParams.get("storage_type");
  if (storage !== null && storage !== "fal-cdn-v3")
    return error(422, [
      { loc: ["query", "storage_type"], msg: "Input should be 'fal-cdn-v3'", type: "enum" },
    ]);
  let input: { content_type?: unknown; file_name?: unknown };
  try {
    input = JSON.parse(body);
  } catch {
    return error(422, [{ loc: ["body"], msg: "JSON decode error", type: "json_invalid" }]);
  }
  const missing = (["content_type", "file_name"] as const).filter((k) => typeof input?.[k] !== "string");
  if (missing.length)
    return error(
      422,
      missing.map((k) => ({ loc: ["body", k], msg: "Field required", type: "missing" })),
    );
  const name = input.file_name as string;
  const type = input.content_type as string;
  // not-json plays here, at the step that answers JSON (a 200 from the PUT target is success, whatever its body).
  const named = /sandbox-([a-z-]+)/.exec(name)?.[1];
  const scenario = named === "not-json" ? named : named?.startsWith("initiate-") ? named.slice(9) : undefined;
  if (scenario === "error") return error(500, "Internal Server Error");
  if (scenario === "rate-limit") return error(429, "Too many requests", { "retry-after": "7" });
  if (scenario === "not-json")
    return new Response("<html>502</html>", { headers: { "content-type": "text/html" } });
  const put = new URL(PUT_PATH, url.origin);
  put.search = new URLSearchParams({ file: name, type, token: token(name, type) }).toString();
  const id = crypto.randomUUID().replaceAll("-", "").slice(0, 16);
  return json({
    // bad-url: a URL no gateway may send to (plain http to a public host).
    upload_url: scenario === "bad-url" ? `http://example.com${PUT_PATH}${put.search}` : put.href,
    file_url: `${url.origin}/fal/files/${id}/${encodeURIComponent(name)}`,
  });
}

export default {
  id: "fal",
  key: provider.dev.sandboxKey,
  paths: [PUT_PATH],
  uploadMethod: "PUT",
  body: "raw",
  authorized(request, url) {
    const auth = request.headers.get("authorization");
    if (url.pathname !== PUT_PATH) return auth === `Key ${provider.dev.sandboxKey}`;
    // The signed URL: its token, the type it was signed for, and no other credentials.
    const name = url.searchParams.get("file") ?? "";
    const type = url.searchParams.get("type") ?? "";
    return (
      auth === null &&
      url.searchParams.get("token") === token(name, type) &&
      request.headers.get("content-type") === type
    );
  },
  scenarioSource: (url) => url.searchParams.get("file") ?? "",
  dialect: {
    error: message,
    inBand: () => error(500, "upload failed: storage unavailable"),
    unauthorized: () => error(401, "Invalid credentials"),
  },
  accept: () => new Response(null, { status: 200 }),
  calls: [
    {
      method: "POST",
      path: /^\/fal\/storage\/upload\/initiate$/,
      handle: (body, _match, url) => initiate(body, url),
    },
  ],
} satisfies SandboxProvider;
