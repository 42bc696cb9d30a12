#!/usr/bin/env node
// The Worker's bundle budget: the gzip size of `wrangler deploy --dry-run --outdir dist` output must stay
// within 64 KiB (cold starts and the Free plan's script size both favour small). Run after `npm run build`.
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";

const BUDGET_KIB = 64;
const kib = gzipSync(readFileSync(new URL("../dist/index.js", import.meta.url))).length / 1024;
console.log(`bundle: ${kib.toFixed(1)} KiB gzip (budget ${BUDGET_KIB} KiB)`);
if (kib > BUDGET_KIB) process.exit(1);
