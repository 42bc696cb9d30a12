import type { TestProject } from "vitest/node";
import { startEmulator } from "./server";

declare module "vitest" {
  export interface ProvidedContext {
    emulatorUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const { url, server } = await startEmulator();
  project.provide("emulatorUrl", url);
  return () => new Promise<void>((resolve) => server.close(() => resolve()));
}
