// What a resumable upload's record keeps for the tus protocol itself (its steps: ./tus.ts).

/** What the tus protocol keeps beside the staged bytes. */
export interface TusProtocolState {
  /** Upload-Metadata exactly as the client sent it at creation: HEAD answers carry it. */
  readonly metadata?: string;
  /** The client ended the tus resource (DELETE) after every byte had arrived; the outcome stays as it was. */
  readonly ended?: boolean;
  /** A partial upload: bytes only, no provider or file name, until a final upload takes it. */
  readonly partial?: boolean;
  /** The final upload a partial's bytes were handed to: they are the final's from then on. */
  readonly usedBy?: string;
  /**
   * Created with Upload-Defer-Length: the length is not known yet, and the staging's `length` is only the
   * bound bytes are held to (the provider's limit) until a PATCH declares it (creation-defer-length).
   */
  readonly deferred?: boolean;
}
