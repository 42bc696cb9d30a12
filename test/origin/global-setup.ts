import type { TestProject } from "vitest/node";
import { startOrigin } from "./server";

export default async function setup(project: TestProject) {
  const { url, server } = await startOrigin();
  project.provide("originUrl", url);
  return () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
}
