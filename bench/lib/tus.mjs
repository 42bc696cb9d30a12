// tus: 1 GiB in 50 MiB PATCHes into the gateway's R2 staging, measured in two phases — the PATCHes before
// the last, and the last PATCH, which answers only after the staged file has been delivered to useapi (so
// its window is the delivery plus its own ≤ 50 MiB). Beside it, the bare R2 pipe (bench/r2pipe): PUT the same
// bytes into R2, then POST /deliver pipes the object to the same sink path. Local R2 runs inside workerd.
import { fmt, MiB, upload } from "./client.mjs";
import { measured, started } from "./procs.mjs";
import { auth, inspectorOf, PORTS, scratchDir } from "./setup.mjs";

/**
 * The delivery inside a measured run: the sink's request from its arrival to its last byte (time, and the
 * workerd CPU in that window).
 */
function deliveryWindow(sink, run) {
  const r = sink.recent.findLast(
    (x) => x.path.startsWith("/useapi/") && x.start >= run.startedAt && x.end !== null,
  );
  if (!r) return { seconds: Number.NaN, cpuSeconds: Number.NaN };
  return { seconds: (r.end - r.start) / 1000, cpuSeconds: run.cpuBetween(r.start, r.end) };
}

export async function tus({ sink, quick, gatewayUrl, pids, log }) {
  const total = quick ? 180 * MiB : 1024 * MiB;
  const chunk = 50 * MiB;
  const video = { "content-type": "video/mp4" };

  // The gateway: create, PATCH up to the last, then the last PATCH (which delivers).
  const created = await fetch(`${gatewayUrl}/v1/tus`, {
    method: "POST",
    headers: {
      ...auth,
      "tus-resumable": "1.0.0",
      "upload-length": String(total),
      "upload-metadata": `provider ${btoa("useapi")},filename ${btoa("big.mp4")}`,
    },
  });
  const location = created.headers.get("location");
  const patch = (offset) =>
    upload(
      location,
      Math.min(chunk, total - offset),
      {
        ...auth,
        "tus-resumable": "1.0.0",
        "content-type": "application/offset+octet-stream",
        "upload-offset": String(offset),
      },
      undefined,
      undefined,
      "PATCH",
    );
  const lastOffset = Math.floor((total - 1) / chunk) * chunk;
  const patches = await measured(pids, async () => {
    let status = created.status;
    for (let offset = 0; offset < lastOffset && status < 300; offset += chunk)
      status = (await patch(offset)).status;
    return { status };
  });
  log(
    `tus gateway PATCHes 0…${lastOffset / MiB} MiB: ${patches.status} ${fmt(patches.seconds)} s, CPU ${fmt(patches.cpuSeconds)} s`,
  );
  const last = await measured(pids, () => patch(lastOffset));
  last.window = deliveryWindow(sink, last);
  log(
    `tus gateway last PATCH (+delivery): ${last.status} ${fmt(last.seconds)} s, CPU ${fmt(last.cpuSeconds)} s, RSS +${fmt(last.rssMiB)} MiB`,
  );

  // The bare R2 pipe, its own wrangler dev and local R2.
  const r2pipe = await started(
    "bench/r2pipe/wrangler.toml",
    PORTS.r2pipe,
    inspectorOf(PORTS.r2pipe),
    { SINK_URL: sink.url },
    scratchDir("r2pipe"),
    "/",
  );
  // Two layouts of the same bytes: one put, and a multipart upload in the gateway's staging parts (5 MiB
  // for files up to 10,000 × 5 MiB: worker/services/staging/rechunk.ts partSizeFor), the layout the gateway's
  // delivery is held to.
  const layouts = { parts: `?part=${5 * MiB}`, single: "" };
  const bare = {};
  try {
    for (const [layout, query] of Object.entries(layouts)) {
      const key = `big-${layout}.mp4`;
      const put = await measured(r2pipe.pids, () =>
        upload(`${r2pipe.url}/obj/${key}${query}`, total, video, undefined, undefined, "PUT"),
      );
      const deliver = await measured(r2pipe.pids, () => upload(`${r2pipe.url}/deliver/${key}`, 0));
      deliver.window = deliveryWindow(sink, deliver);
      bare[layout] = { put, deliver };
      log(
        `tus r2pipe (${layout}) PUT: ${put.status} ${fmt(put.seconds)} s, CPU ${fmt(put.cpuSeconds)} s, RSS +${fmt(put.rssMiB)} MiB; deliver: ${deliver.status} ${fmt(deliver.seconds)} s, CPU ${fmt(deliver.cpuSeconds)} s, RSS +${fmt(deliver.rssMiB)} MiB`,
      );
    }
  } finally {
    await r2pipe.stop();
  }
  const deliver = bare.parts.deliver;

  // The last PATCH also received its own bytes: subtract them at the earlier PATCHes' CPU per byte.
  const lastBytes = total - lastOffset;
  const uploadCpu = (patches.cpuSeconds / lastOffset) * lastBytes;
  const ratio = last.cpuSeconds / deliver.cpuSeconds;
  const ratioNet = (last.cpuSeconds - uploadCpu) / deliver.cpuSeconds;
  const ok = last.status === 204 && deliver.status === 200;
  const seconds = patches.seconds + last.seconds;
  return [
    `tus: ${total / MiB} MiB in 50 MiB PATCHes into R2, then delivery to useapi: ${last.status} in ${fmt(seconds)} s (${fmt(total / MiB / seconds, 0)} MB/s end to end). The PATCHes before the last (${lastOffset / MiB} MiB): ${fmt(patches.seconds)} s, workerd CPU ${fmt(patches.cpuSeconds)} s, peak RSS growth ${fmt(patches.rssMiB)} MiB.`,
    "",
    `tus delivery beside the bare R2 pipe (both under wrangler dev, where local R2 runs inside the same workerd, so RSS and CPU include R2's side):`,
    "",
    "| delivery of the staged file | status | time s | workerd CPU s | peak RSS growth MiB | the sink's request: time s | workerd CPU s in it |",
    "|---|---|---|---|---|---|---|",
    `| gateway: last tus PATCH (${fmt(lastBytes / MiB, 0)} MiB received + ${total / MiB} MiB delivered) | ${last.status} | ${fmt(last.seconds)} | ${fmt(last.cpuSeconds, 2)} | ${fmt(last.rssMiB)} | ${fmt(last.window.seconds, 2)} | ${fmt(last.window.cpuSeconds, 2)} |`,
    `| bare R2 pipe: POST /deliver, object in 5 MiB parts (${total / MiB} MiB) | ${bare.parts.deliver.status} | ${fmt(bare.parts.deliver.seconds)} | ${fmt(bare.parts.deliver.cpuSeconds, 2)} | ${fmt(bare.parts.deliver.rssMiB)} | ${fmt(bare.parts.deliver.window.seconds, 2)} | ${fmt(bare.parts.deliver.window.cpuSeconds, 2)} |`,
    `| bare R2 pipe: POST /deliver, object from one put (${total / MiB} MiB) | ${bare.single.deliver.status} | ${fmt(bare.single.deliver.seconds)} | ${fmt(bare.single.deliver.cpuSeconds, 2)} | ${fmt(bare.single.deliver.rssMiB)} | ${fmt(bare.single.deliver.window.seconds, 2)} | ${fmt(bare.single.deliver.window.cpuSeconds, 2)} |`,
    `| bare R2 pipe: its PUT, in 5 MiB parts (for reference) | ${bare.parts.put.status} | ${fmt(bare.parts.put.seconds)} | ${fmt(bare.parts.put.cpuSeconds, 2)} | ${fmt(bare.parts.put.rssMiB)} | — | — |`,
    `| bare R2 pipe: its PUT, one put (for reference) | ${bare.single.put.status} | ${fmt(bare.single.put.seconds)} | ${fmt(bare.single.put.cpuSeconds, 2)} | ${fmt(bare.single.put.rssMiB)} | — | — |`,
    "",
    `Delivery CPU ratio gateway / bare R2 pipe (the object in 5 MiB parts, as the gateway stages it): ${fmt(ratio, 2)} (${fmt(ratioNet, 2)} less the last PATCH's own ${fmt(lastBytes / MiB, 0)} MiB at the earlier PATCHes' ${fmt(patches.cpuSeconds / (lastOffset / MiB / 1024), 2)} CPU s/GiB); target ≤ 1.3: ${ok && ratio <= 1.3 ? "PASS" : "MISS"} (judged on the whole last PATCH; within the sink's request alone ${fmt(last.window.cpuSeconds / deliver.window.cpuSeconds, 2)}). Delivery RSS growth ${fmt(last.rssMiB)} MiB; target ≤ 32: ${ok && last.rssMiB <= 32 ? "PASS" : "MISS"}.${quick ? " QUICK size." : ""}`,
  ];
}
