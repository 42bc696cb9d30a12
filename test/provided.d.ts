// Values the global setup hands to tests (project.provide → inject).
declare module "vitest" {
  export interface ProvidedContext {
    /** Base URL of the Node provider emulator (test/emulator/server.ts). */
    emulatorUrl: string;
    /** Base URL of the import tests' origin (test/origin/server.ts). */
    originUrl: string;
  }
}

export {};
