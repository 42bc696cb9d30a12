// The load run's client, in its own process (a client sharing the sink's event loop slows both): `small`
// workers uploading 1 MiB and `big` workers uploading 100 MB, each starting its next upload when the last
// one answered, until the deadline or the request cap. Every body is distinct (a per-request seed) and its
// SHA-256 travels in the URL ({sha} in the templates) for the sink to check. Prints one JSON line.
import { median, percentile, seeded, sha256Of, upload } from "./client.mjs";

const job = JSON.parse(process.argv[2]);
const deadline = performance.now() + job.seconds * 1000;
let started = 0;
let seed = job.seedBase ?? Date.now();
const classes = {
  small: { requests: 0, failures: 0, statuses: {}, ms: [], errors: [] },
  big: { requests: 0, failures: 0, statuses: {}, ms: [], errors: [] },
};

async function worker(cls, size, templates, index) {
  const out = classes[cls];
  for (let turn = index; performance.now() < deadline && started < job.cap; turn++) {
    started++;
    const chunk = seeded(seed++);
    const sha = sha256Of(chunk, size);
    const url = templates[turn % templates.length].replace("{sha}", sha);
    // Bounded in time: an upload still running this long after the deadline is aborted and counted failed.
    const signal = AbortSignal.timeout(Math.ceil(Math.max(0, deadline - performance.now()) + job.graceMs));
    const t0 = performance.now();
    const r = await upload(url, size, job.headers, undefined, undefined, "POST", chunk, signal);
    out.ms.push(performance.now() - t0);
    out.requests++;
    out.statuses[r.status] = (out.statuses[r.status] ?? 0) + 1;
    if (r.status < 200 || r.status >= 300) {
      out.failures++;
      if (out.errors.length < 3) out.errors.push(`${r.status} ${r.body.slice(0, 200)}`);
    }
  }
}

await Promise.all([
  ...Array.from({ length: job.small.workers }, (_, i) => worker("small", job.small.size, job.small.urls, i)),
  ...Array.from({ length: job.big.workers }, (_, i) => worker("big", job.big.size, job.big.urls, i)),
]);
for (const c of Object.values(classes)) {
  c.ms.sort((a, b) => a - b);
  c.p50 = median(c.ms);
  c.p99 = percentile(c.ms, 0.99);
  delete c.ms;
}
process.stdout.write(`${JSON.stringify(classes)}\n`);
