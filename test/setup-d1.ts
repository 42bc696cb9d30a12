// Applies the registry's migrations (migrations/, read in vitest.config.ts) to the local D1 before each
// test file; applyD1Migrations skips those already applied.
import { applyD1Migrations, type D1Migration } from "cloudflare:test";
import { env } from "cloudflare:workers";

const bound = env as unknown as { DB: D1Database; TEST_MIGRATIONS: D1Migration[] };
await applyD1Migrations(bound.DB, bound.TEST_MIGRATIONS);
