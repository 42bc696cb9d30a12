// Reference: the bare pipe. fetch(sink, { body: request.body }) and nothing else — the physical limit of any
// gateway in workerd (no parsing, no hashing, no validation).
interface Env {
  SINK_URL: string;
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    return fetch(`${env.SINK_URL}${url.pathname}${url.search}`, {
      method: "POST",
      headers: { "content-type": request.headers.get("content-type") ?? "application/octet-stream" },
      body: request.body,
    });
  },
} satisfies ExportedHandler<Env>;
