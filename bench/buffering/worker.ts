// Reference: what users would otherwise write — a gateway that buffers the whole file (formData() /
// arrayBuffer()) and re-posts it, adding a field to multipart bodies like the MiniMax adapter does.
interface Env {
  SINK_URL: string;
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    const target = `${env.SINK_URL}${url.pathname}${url.search}`;
    const type = request.headers.get("content-type") ?? "";
    if (type.startsWith("multipart/form-data")) {
      const form = await request.formData();
      const out = new FormData();
      out.append("purpose", "video_understanding");
      out.append("file", form.get("file") as File);
      return fetch(target, { method: "POST", body: out });
    }
    const bytes = await request.arrayBuffer();
    return fetch(target, { method: "POST", headers: { "content-type": type }, body: bytes });
  },
} satisfies ExportedHandler<Env>;
