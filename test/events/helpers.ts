// Shared by the event and webhook tests: a project of its own per test (a fresh bootstrap key, so no other
// test's events or endpoints are in it), calls as that project, and the emulator's webhook sink.
import type { components } from "../../generated/gateway";
import { call, emulatorUrl, KEY, marker } from "../helpers";

export type EventList = components["schemas"]["EventList"];
export type EventDetail = components["schemas"]["EventDetail"];
export type CreatedWebhook = components["schemas"]["CreatedWebhook"];

export interface Arrival {
  headers: Record<string, string>;
  body: string;
}

/** A project of its own: a bootstrap key no other test uses (GATEWAY_API_KEYS is overridden per call). */
export function project() {
  const key = `${marker("evk")}-${crypto.randomUUID()}`;
  const env = { GATEWAY_API_KEYS: `${KEY},${key}` };
  const as = (path: string, init: RequestInit = {}) =>
    call(
      new Request(new URL(path, "http://gw"), {
        ...init,
        headers: { authorization: `Bearer ${key}`, ...(init.headers as Record<string, string>) },
      }),
      env,
    );
  const json = async <T>(path: string, init: RequestInit = {}): Promise<T> => {
    const res = await as(path, init);
    if (res.status >= 300)
      throw new Error(`${init.method ?? "GET"} ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  const post = (path: string, body: unknown) =>
    as(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return { key, env, as, json, post };
}

/** The emulator's sink `name` (test/emulator/server.ts), with its failure options. */
export const sinkUrl = (name: string, query = "") => `${emulatorUrl()}/__callbacks/${name}${query}`;

export async function arrivals(name: string): Promise<Arrival[]> {
  return (await (await fetch(sinkUrl(name))).json()) as Arrival[];
}

/** Polls until `check` returns a value (the queue's consumer runs on its own schedule). */
export async function eventually<T>(check: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Standard Webhooks' signature, recomputed independently of the gateway's code. */
export async function expectedSignature(secret: string, a: Arrival): Promise<string> {
  const raw = Uint8Array.from(atob(secret.slice("whsec_".length)), (c) => c.charCodeAt(0));
  const key = await crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const signed = `${a.headers["webhook-id"]}.${a.headers["webhook-timestamp"]}.${a.body}`;
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(signed)));
  return `v1,${btoa(String.fromCharCode(...mac))}`;
}
