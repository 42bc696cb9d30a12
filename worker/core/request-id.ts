// The id that ties a client's answer to the gateway's log lines: every answer carries it as X-Request-Id and
// every problem as `request_id` (docs/api.md#request-ids). A caller's own id is kept when it is one we can
// echo safely (bounded, a safe character set: it goes into headers, JSON and logs as it is), else one is
// minted. The Worker sets the header on what it forwards to an upload's Durable Object, over whatever the
// client sent, so the object answers and logs under the same id (services/sessions/session.ts).
import { LIMITS } from "./limits";

export const REQUEST_ID_HEADER = "x-request-id";

/** Letters, digits and `_ . : + / = -`: UUIDs, ULIDs, hex and base64 ids, nothing a header or log must escape. */
const VALID = new RegExp(`^[\\w.:+/=-]{1,${LIMITS.requestIdLength}}$`);

export const isRequestId = (value: string | null | undefined): value is string =>
  typeof value === "string" && VALID.test(value);

/** The request's id: its valid X-Request-Id, or a new one. */
export function requestIdOf(request: Request): string {
  const given = request.headers.get(REQUEST_ID_HEADER);
  return isRequestId(given) ? given : crypto.randomUUID();
}

/** The id the Worker forwarded to a Durable Object (undefined when it sent none). */
export function forwardedRequestId(request: Request): string | undefined {
  const given = request.headers.get(REQUEST_ID_HEADER);
  return isRequestId(given) ? given : undefined;
}
