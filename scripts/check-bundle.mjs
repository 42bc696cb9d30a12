#!/usr/bin/env node
// The Worker's bundle budget: the gzip size of `wrangler deploy --dry-run --outdir dist` output must stay
// within 96 KiB (cold starts and the Free plan's script size both favour small; 3 MB is the Free plan's limit,
// https://developers.cloudflare.com/workers/platform/limits/#worker-size). Raised from 64 KiB when the event log,
// kept originals and tus concatenation arrived together; each feature pays for itself within it. Run after
// `npm run build`.
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";

const BUDGET_KIB = 96;
const kib = gzipSync(readFileSync(new URL("../dist/index.js", import.meta.url))).length / 1024;
console.log(`bundle: ${kib.toFixed(1)} KiB gzip (budget ${BUDGET_KIB} KiB)`);
if (kib > BUDGET_KIB) process.exit(1);
