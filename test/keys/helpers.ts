// Keys, quotas and usage tests' shared steps: calls as a key, making a key, a small upload.
import { expect } from "vitest";
import type { components } from "../../generated/gateway";
import { call, KEY, randomBytes, rawRequest } from "../helpers";

type CreatedKey = components["schemas"]["CreatedKey"];

export const as = (
  key: string | null,
  path: string,
  init: RequestInit = {},
  overrides: Parameters<typeof call>[1] = {},
) =>
  call(
    new Request(new URL(path, "http://gw"), {
      ...init,
      headers: {
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...(init.body ? { "content-type": "application/json" } : {}),
        ...(init.headers as Record<string, string>),
      },
    }),
    overrides,
  );

/** POST /v1/keys by `by`, asserting 201. */
export async function makeKey(
  body: Record<string, unknown>,
  by = KEY,
  overrides: Parameters<typeof call>[1] = {},
): Promise<CreatedKey> {
  const res = await as(by, "/v1/keys", { method: "POST", body: JSON.stringify(body) }, overrides);
  const json = await res.json();
  expect(res.status, JSON.stringify(json)).toBe(201);
  return json as CreatedKey;
}

/** A small useapi upload (raw) with `key`, named by `mark`. */
export const upload = (
  key: string,
  mark: string,
  bytes = randomBytes(2000),
  provider = "useapi",
  overrides: Parameters<typeof call>[1] = {},
) =>
  call(
    rawRequest(provider, {
      key,
      filename: `${mark}.png`,
      type: "image/png",
      bytes,
      query: provider === "useapi" ? { account: mark } : {},
    }),
    overrides,
  );
