// Why a signed URL could not be claimed, as the problem the app gets (the upload's Durable Object refuses
// a claim with it: ./session.ts).
import { GatewayError } from "../../core/errors";
import { LIMITS } from "../../core/limits";
import type * as R from "../records/record";
import { refusal } from "../tus/handlers";

/** Why a signed URL could not be claimed, as the problem the app gets. */
export function claimRefused(reason: R.Refusal): GatewayError {
  if (reason === "expired") return new GatewayError("token_expired", "This upload URL has expired.");
  if (reason === "unknown") return new GatewayError("invalid_token", "This upload URL is not valid.");
  if (reason === "used" || reason === "in_use")
    return new GatewayError(
      "token_used",
      reason === "used" ? "This upload URL has already been used." : "An upload to this URL is in progress.",
    );
  if (reason === "exhausted")
    return new GatewayError(
      "token_used",
      `Uploads to this URL failed ${LIMITS.ticketAttempts} times; ask the app's backend for a new one.`,
    );
  return refusal(reason);
}
