// What a ticket fixes that the app must follow: its filename. A ticket carries it (UploadTicket.filename);
// one minted by a gateway from before that field has it only in its token — base64url(JSON claims) "."
// signature, readable by anyone by design (worker/services/sessions/token.ts; the gateway verifies it).
import type { UploadTicket } from "./types";

type TicketUrls = Pick<UploadTicket, "upload_url" | "filename"> & { tus_url?: string };

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
  if (ticket.filename) return ticket.filename;
  const claimed = claimsOf(ticket)?.filename;
  return typeof claimed === "string" && claimed ? claimed : undefined;
}
