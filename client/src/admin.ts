// Running a gateway for many apps, from the SDK: the project's keys (create, list, revoke), its usage per day
// and provider, and the audit log of key changes. Typed from the spec's paths; every answer that is not a
// 2xx is the MediagateError of its problem (scope_denied, invalid_field, not_found, …).
import type { Client } from "openapi-fetch";
import type { paths } from "../../generated/gateway";
import { unwrap } from "./errors";
import type { AuditQuery, Mediagate, UsageQuery } from "./instance";

export function adminCalls(
  api: Client<paths>,
  needKey: (what: string) => void,
): Pick<Mediagate, "keys" | "usage" | "audit"> {
  return {
    keys: {
      create(body) {
        needKey("keys.create()");
        return unwrap(api.POST("/v1/keys", { body }));
      },
      async list() {
        needKey("keys.list()");
        return (await unwrap(api.GET("/v1/keys"))).data;
      },
      revoke(id) {
        needKey("keys.revoke()");
        return unwrap(api.DELETE("/v1/keys/{id}", { params: { path: { id } } }));
      },
    },
    async usage(query: UsageQuery = {}) {
      needKey("usage()");
      return (await unwrap(api.GET("/v1/usage", { params: { query } }))).data;
    },
    audit(query: AuditQuery = {}) {
      needKey("audit()");
      return unwrap(api.GET("/v1/audit", { params: { query } }));
    },
  };
}
