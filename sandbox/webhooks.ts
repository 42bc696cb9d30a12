// A webhook receiver for local development (`npm start`): register http://localhost:8788/__sandbox/webhooks/<name>
// as an endpoint (POST /v1/webhooks) and see what the gateway delivered, signed, with no tunnel.
//   POST /__sandbox/webhooks/<name>          a delivery: recorded (204), or refused with 503 while "down"
//   GET  /__sandbox/webhooks/<name>          { down, received: [{ at, webhook-id, webhook-timestamp,
//                                            webhook-signature, body }] }, the latest 100
//   PUT  /__sandbox/webhooks/<name>?down=true|false   stop or restart the receiver (to watch retries pile up)
// The receiver keeps the raw body and headers, so the signature can be checked (verifyWebhook in the SDK).

interface Arrival {
  readonly at: string;
  readonly "webhook-id": string | null;
  readonly "webhook-timestamp": string | null;
  readonly "webhook-signature": string | null;
  readonly body: string;
}

const receivers = new Map<string, { down: boolean; received: Arrival[] }>();
const KEEP = 100;
/** Bodies above this are cut (the gateway's are a few KiB). */
const MAX_BODY = 64 * 1024;

const json = (value: unknown, status = 200) =>
  new Response(JSON.stringify(value, null, 2), { status, headers: { "content-type": "application/json" } });

/** The receiver's answer, or null when the path is not this route's. */
export async function receiveWebhook(request: Request, url: URL): Promise<Response | null> {
  const match = /^\/__sandbox\/webhooks\/([\w-]{1,64})$/.exec(url.pathname);
  if (!match?.[1]) return null;
  const receiver = receivers.get(match[1]) ?? { down: false, received: [] };
  receivers.set(match[1], receiver);
  if (request.method === "GET") return json(receiver);
  if (request.method === "PUT") {
    receiver.down = url.searchParams.get("down") === "true";
    return json({ down: receiver.down });
  }
  if (request.method !== "POST") return json({ error: "use GET, POST or PUT" }, 405);
  const body = (await request.text()).slice(0, MAX_BODY);
  if (receiver.down) return json({ error: "this receiver is down (PUT ?down=false restarts it)" }, 503);
  receiver.received.push({
    at: new Date().toISOString(),
    "webhook-id": request.headers.get("webhook-id"),
    "webhook-timestamp": request.headers.get("webhook-timestamp"),
    "webhook-signature": request.headers.get("webhook-signature"),
    body,
  });
  if (receiver.received.length > KEEP) receiver.received.shift();
  return new Response(null, { status: 204 });
}
