// Reference: the bare R2 pipe. PUT /obj/<key> stores the request body in R2 (it has a Content-Length, so a
// known length); with ?part=<bytes>, as a multipart upload in parts of that size (the layout of the
// gateway's staged tus files, whose delivery this is compared with). POST /deliver/<key> sends that object's
// body to the sink with its size as Content-Length, and answers the sink's status. What any gateway's
// delivery of a staged file costs, at least.
interface Env {
  SINK_URL: string;
  BUCKET: R2Bucket;
}

/** A multipart upload of `body` in parts of `partSize` bytes (the last one shorter). */
async function putInParts(bucket: R2Bucket, key: string, body: ReadableStream<Uint8Array>, partSize: number) {
  const upload = await bucket.createMultipartUpload(key);
  const parts: R2UploadedPart[] = [];
  const buffer = new Uint8Array(partSize);
  let fill = 0;
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    for (let at = 0; at < value.byteLength; ) {
      const take = Math.min(value.byteLength - at, partSize - fill);
      buffer.set(value.subarray(at, at + take), fill);
      fill += take;
      at += take;
      if (fill === partSize) {
        parts.push(await upload.uploadPart(parts.length + 1, buffer));
        fill = 0;
      }
    }
  }
  if (fill > 0) parts.push(await upload.uploadPart(parts.length + 1, buffer.subarray(0, fill)));
  await upload.complete(parts);
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    const put = /^\/obj\/(.+)$/.exec(url.pathname);
    if (request.method === "PUT" && put?.[1]) {
      if (request.body === null) return new Response("no body", { status: 400 });
      const partSize = Number(url.searchParams.get("part") ?? 0);
      if (partSize > 0) await putInParts(env.BUCKET, put[1], request.body, partSize);
      else await env.BUCKET.put(put[1], request.body);
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
