// The error catalogue's ledger (globalSetup of the workers project, in Node): a loopback HTTP server that
// records every problem code a test saw (test/helpers.ts problemOf → record.ts), so the catalogue project,
// which runs after every other (sequence.groupOrder), can check each code in ERRORS was produced.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { TestProject } from "vitest/node";

export default async function setup(project: TestProject) {
  const seen = new Map<string, number>();
  const server = createServer((req, res) => {
    if (req.url !== "/seen") return res.writeHead(404).end();
    if (req.method === "GET") {
      return res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify([...seen.keys()]));
    }
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => {
      body += chunk;
    });
    req.on("end", () => {
      seen.set(body, (seen.get(body) ?? 0) + 1);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // The tests that record (this project) and the one that checks (the catalogue project) both get it.
  for (const each of project.vitest.projects) {
    if (each === project || each.name === "catalogue") each.provide("catalogueUrl", url);
  }
  return () => new Promise<void>((resolve) => server.close(() => resolve()));
}
