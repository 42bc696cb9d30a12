// The event log and webhook endpoints from the SDK (GET /v1/events, GET /v1/events/{id}, POST …/resend:
// events:read and webhooks:admin; POST/GET/DELETE /v1/webhooks: webhooks:admin). Typed from the spec's paths;
// a non-2xx answer is the MediagateError of its problem. docs/webhooks.md describes what they return.
import type { Client } from "openapi-fetch";
import type { paths } from "../../generated/gateway";
import { unwrap } from "./errors";
import type { EventQuery, Mediagate } from "./instance";

export function eventCalls(
  api: Client<paths>,
  needKey: (what: string) => void,
): Pick<Mediagate, "events" | "webhooks"> {
  return {
    events: {
      list(query: EventQuery = {}) {
        needKey("events.list()");
        return unwrap(api.GET("/v1/events", { params: { query } }));
      },
      get(id) {
        needKey("events.get()");
        return unwrap(api.GET("/v1/events/{id}", { params: { path: { id } } }));
      },
      resend(id) {
        needKey("events.resend()");
        return unwrap(api.POST("/v1/events/{id}/resend", { params: { path: { id } } }));
      },
    },
    webhooks: {
      create(body) {
        needKey("webhooks.create()");
        return unwrap(api.POST("/v1/webhooks", { body }));
      },
      async list() {
        needKey("webhooks.list()");
        return (await unwrap(api.GET("/v1/webhooks"))).data;
      },
      delete(id) {
        needKey("webhooks.delete()");
        return unwrap(api.DELETE("/v1/webhooks/{id}", { params: { path: { id } } }));
      },
    },
  };
}
