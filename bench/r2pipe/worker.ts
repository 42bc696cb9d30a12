// Reference: the bare R2 pipe. PUT /obj/<key> stores the request body in R2 (it has a Content-Length, so a
// known length); POST /deliver/<key> sends that object's body to the sink with its size as Content-Length,
// and answers the sink's status. What any gateway's delivery of a staged file costs, at least.
interface Env {
  SINK_URL: string;
  BUCKET: R2Bucket;
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    const put = /^\/obj\/(.+)$/.exec(url.pathname);
    if (request.method === "PUT" && put?.[1]) {
      if (request.body === null) return new Response("no body", { status: 400 });
      await env.BUCKET.put(put[1], request.body);
      return new Response(null, { status: 201 });
    }
    const deliver = /^\/deliver\/(.+)$/.exec(url.pathname);
    if (request.method === "POST" && deliver?.[1]) {
      const object = await env.BUCKET.get(deliver[1]);
      if (object === null) return new Response("no such object", { status: 404 });
      const answer = await fetch(`${env.SINK_URL}/useapi/v1/minimax/files/`, {
        method: "POST",
        headers: { "content-type": "video/mp4", "content-length": String(object.size) },
        body: object.body,
      });
      await answer.arrayBuffer();
      return new Response(null, { status: answer.status });
    }
    return new Response("ok");
  },
} satisfies ExportedHandler<Env>;
