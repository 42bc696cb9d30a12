// What a ticket fixes that the app must follow. specs/gateway.yaml's UploadTicket does not carry the filename
// a ticket was minted with, so it is read from the ticket's token: base64url(JSON claims) "." signature,
// readable by anyone by design (worker/services/sessions/token.ts); the gateway verifies the signature.
import type { UploadTicket } from "./types";

type TicketUrls = Pick<UploadTicket, "upload_url"> & { tus_url?: string };

function claimsOf(ticket: TicketUrls): Record<string, unknown> | undefined {
  for (const url of [ticket.upload_url, ticket.tus_url]) {
    const token = url ? new URL(url).searchParams.get("token") : null;
    const payload = token?.split(".")[0];
    if (!payload) continue;
    try {
      const base64 = payload.replace(/-/g, "+").replace(/_/g, "/");
      const text = new TextDecoder().decode(Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)));
      const claims: unknown = JSON.parse(text);
      if (typeof claims === "object" && claims !== null) return claims as Record<string, unknown>;
    } catch {}
  }
  return undefined;
}

/** The filename the ticket fixes (the gateway refuses any other), or undefined when it fixes none. */
export function ticketFilename(ticket: TicketUrls): string | undefined {
  // Should UploadTicket gain a `filename`, it is the ticket's own word.
  const own = (ticket as { filename?: unknown }).filename;
  if (typeof own === "string" && own) return own;
  const claimed = claimsOf(ticket)?.filename;
  return typeof claimed === "string" && claimed ? claimed : undefined;
}
