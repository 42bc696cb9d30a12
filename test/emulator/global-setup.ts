import type { TestProject } from "vitest/node";
import { startEmulator } from "./server";

export default async function setup(project: TestProject) {
  // The port vitest.config.ts chose and named in the Workers' bindings.
  const { url, server } = await startEmulator(Number(process.env.EMULATOR_PORT ?? 0));
  project.provide("emulatorUrl", url);
  return () => new Promise<void>((resolve) => server.close(() => resolve()));
}
