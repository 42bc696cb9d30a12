// A provider's answer is untrusted, and its client reads it whole (openapi-fetch parses JSON from the full
// text; fal's and Gemini's steps read text). The fetch every adapter is given (answerCapped) holds the
// answer's body to LIMITS.providerAnswerBytes, so a provider, or anything between it and us, that answers
// without end costs the isolate no more than that: the read fails with AnswerTooLarge, which the kit turns
// into a provider_error like any unreadable answer (./http.ts unreadable).
import { LIMITS } from "../../core/limits";

export class AnswerTooLarge extends Error {
  constructor(readonly bytes: number) {
    super(`the provider's answer is over ${bytes} bytes`);
    this.name = "AnswerTooLarge";
  }
}

/** `inner` (the runtime's fetch unless given), with every answer's body held to `cap` bytes. */
export function answerCapped(
  inner: typeof fetch = (input, init) => fetch(input, init),
  cap: number = LIMITS.providerAnswerBytes,
): typeof fetch {
  return async (input, init) => {
    const response = await inner(input, init);
    if (!response.body) return response;
    const length = response.headers.get("content-length");
    const declared = Number(length ?? 0);
    if (declared > cap) {
      response.body.cancel().catch(() => {});
      throw new AnswerTooLarge(cap);
    }
    // A declared length within the cap already bounds the body: the runtime's HTTP reader delivers that
    // many bytes and no more. Not so for an encoded answer, whose declared length is the compressed one
    // (workerd decodes gzip for us), nor a chunked one: those are counted. Most answers are a small JSON
    // body with its length, and skip the counting stream, the one JavaScript stage an answer passed through.
    const encoded = (response.headers.get("content-encoding") ?? "identity").toLowerCase() !== "identity";
    if (length !== null && /^\d+$/.test(length) && !encoded) return response;
    let seen = 0;
    const capped = response.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          seen += chunk.byteLength;
          if (seen > cap) controller.error(new AnswerTooLarge(cap));
          else controller.enqueue(chunk);
        },
      }),
    );
    return new Response(capped, response);
  };
}
