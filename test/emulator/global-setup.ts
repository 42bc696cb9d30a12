import type { TestProject } from "vitest/node";
import { startEmulator } from "./server";

export default async function setup(project: TestProject) {
  const { url, server } = await startEmulator();
  project.provide("emulatorUrl", url);
  return () => new Promise<void>((resolve) => server.close(() => resolve()));
}
