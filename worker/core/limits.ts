// Every number the gateway enforces or waits for, in one place, each with why. Validation, the docs'
// generator (scripts/docs.mjs) and specs/gateway.yaml read these: a spec line ending in `# LIMITS.<name>`
// has its value written from here by `npm run generate` (and `generate:check` fails when it differs), so
// the schema that validates request bodies states these very numbers. Provider limits live in each
// provider's folder (provider.ts).

const KiB = 1024;
const MiB = 1024 * KiB;
const SECOND = 1000;
const DAY_MS = 24 * 3600 * SECOND;

export const LIMITS = {
  // --- Requests ---------------------------------------------------------------------------------------
  /** MAX_REQUEST_BYTES default: the Free/Pro plans' 100 MB request-body limit at Cloudflare's edge. */
  defaultMaxRequestBytes: 100 * MiB,
  /** PROVIDER_TIMEOUT_MS default: how long a provider may take to answer once it has every byte. */
  defaultProviderTimeoutMs: 120 * SECOND,
  /**
   * A provider's step before the file's bytes (fal's initiate): answered within this, or the upload fails
   * before a byte is sent. PROVIDER_TIMEOUT_MS counts from the last byte, which such a step never reaches.
   */
  providerStepTimeoutMs: 30 * SECOND,
  /**
   * A provider's answer, read whole by its client (providers/kit/answer.ts): upload answers are JSON of a
   * few hundred bytes to a few KB; anything past this is refused as unreadable, not parsed.
   */
  providerAnswerBytes: 256 * KiB,
  /** JSON request bodies (POST /v1/uploads): a ticket request is a few hundred bytes. */
  jsonBodyBytes: 16 * KiB,
  /** Multipart text fields and part headers read before the file's data, at most. */
  multipartHeadBytes: 64 * KiB,
  /** Epilogue after a multipart body's closing boundary: clients send a CRLF; more is refused. */
  multipartEpilogueBytes: 1 * KiB,
  /** Headers of a part after the file, read only to name it in the refusal. */
  multipartTrailingHeadBytes: 16 * KiB,
  /** Option values (purpose, user, account): short identifiers. */
  fieldValueLength: 256,
  /**
   * A JSON option (Replicate's metadata), as UTF-8 JSON text: as much as a ticket's own metadata. It travels
   * in a query string, a form field or tus metadata, and is stored with the file's record.
   */
  optionJsonBytes: 4 * KiB,
  /** Filenames: the common filesystem limit (ext4, APFS, NTFS: 255). */
  filenameLength: 255,
  /**
   * Reads of request/R2 bodies: at least this much per JS read (fewer, larger chunks; npm run bench). A
   * body under an idle timeout fills the whole buffer (maxReadBytes, or what is left of it) with plain BYOB
   * reads, every arrival resetting the timer (core/arrivals.ts), so its liveness never depends on the
   * size of a read: readAtLeast would resolve only once `min` had arrived, and a client trickling slower
   * than that per IDLE_TIMEOUT_MS was cut as idle though it never paused. Filling the buffer halves the
   * gateway's memory over the least JS reader (docs/benchmark.md, "What the figures say").
   */
  minReadBytes: 128 * KiB,
  maxReadBytes: 1 * MiB,
  /**
   * Buffers an upload's reader reuses in turn (core/bytes.ts ChunkReaderOptions.recycle): a chunk must
   * outlive the read after it (verifyDigest holds one back), so three is the least; memory per upload is
   * readRing × maxReadBytes.
   */
  readRing: 3,
  /** The buffer of the read that finds a declared-length body's end (it carries nothing, or a surplus). */
  readTailBytes: 4 * KiB,
  /**
   * The multipart delimiter search (core/bytes.ts BytePattern): Horspool skips shorter than this are taken
   * one alignment at a time, and after this many such steps in a row it jumps natively to the next CR.
   * Tuned with bench/parser-cpu.mjs, where they cut the worst contents (a body of the boundary's own last
   * byte) from ~7 to ~1 ns/byte without slowing random media.
   */
  searchSmallSkip: 4,
  searchSmallSteps: 16,
  /**
   * Lingering close (nginx's lingering_time/lingering_timeout, http/linger.ts): an answer decided while the
   * client is still sending goes out at once, and the rest of the body is then read and dropped, so the
   * connection is not closed under a client that would lose the answer ("fetch failed", curl's "send
   * failure") — workerd itself lingers only 64 KiB / 1 s. Read at most this many more bytes, for at most
   * lingerMs in all (Cloudflare keeps work after an answer alive for 30 s), waiting at most lingerIdleMs for
   * each read (workerd's own grace period); a body with more left to send than lingerBytes is closed at once (the answer is sent first).
   */
  lingerBytes: 512 * MiB,
  lingerMs: 30 * SECOND,
  lingerIdleMs: 1 * SECOND,
  /** One read of a lingering body: large, into one reused buffer (no allocation per read). */
  lingerReadBytes: 1 * MiB,
  /**
   * An incoming X-Request-Id is kept only up to this many characters (core/request-id.ts), else replaced: it
   * is echoed into every answer, problem and log line, so a client may not make them large. 128 holds the ids
   * proxies and SDKs send (a UUID is 36, a ULID 26, nginx's $request_id 32, a W3C trace id and span 49).
   */
  requestIdLength: 128,
  /**
   * An access line names the caller by this much of its owner (a project id or a key's fingerprint, never a
   * key): enough to tell a tenant's lines apart, too little to name it anywhere else.
   */
  logOwnerChars: 8,
  /**
   * A logged text (an error's message or stack, a provider's raw answer) is cut to this many characters: a
   * log line stays one readable record, whatever a provider answers.
   */
  logTextChars: 2 * KiB,

  /**
   * Content sniffing (core/sniff.ts): the most of a file's first bytes looked at. Every magic number in the
   * table sits in the first 64 bytes but a PE header's, which the DOS header points to (usually within
   * 256 bytes; the DOS header alone marks an executable either way); HTML may follow a BOM and whitespace,
   * and script in markup is looked for in this much only. 4 KiB is a fraction of one read (minReadBytes).
   */
  sniffBytes: 4 * KiB,
  /**
   * An "MZ" file whose e_lfanew points past the sample, but not this far, is taken for a PE whose header
   * the sample does not show (core/active-content.ts): DOS stubs are a few hundred bytes, and the bound
   * keeps random bytes from matching (once in 10⁹ with 1 MiB).
   */
  sniffPeOffsetMax: 1 * MiB,

  // --- Imports (POST /v1/providers/{p}/files with a JSON body) --------------------------------------------
  /** IMPORT_TIMEOUT_MS default: the source's headers within this, and no pause longer while its body streams. */
  defaultImportTimeoutMs: 30 * SECOND,
  /** Redirects followed from an import's URL, each checked as the first URL was. */
  importRedirects: 5,
  /** The import URL's length: as callback_url's. */
  importUrlLength: 2048,

  // --- Signed upload URLs (POST /v1/uploads) ------------------------------------------------------------
  /** Default ticket lifetime: long enough to pick a file on a phone, short enough to leak little. */
  defaultTicketSeconds: 900,
  /** Longest ticket lifetime: as long as a resumable upload lives. */
  maxTicketSeconds: 7 * 24 * 3600,
  /**
   * Failed attempts a signed URL takes before it is used up: enough for a phone on a bad link to retry,
   * few enough that a URL is no tool for probing (each failure ends a real attempt at an upload).
   */
  ticketAttempts: 10,
  /** The caller's metadata, as JSON: echoed in status documents and callbacks. */
  metadataBytes: 4 * KiB,
  /** Media types a ticket may list. */
  contentTypes: 20,
  /**
   * callback_url length: 2,048 characters, ample for any webhook endpoint and its query (sitemaps.org's
   * URL limit; browsers' old address-bar limit). It is stored with the upload and sent to 8 times.
   */
  callbackUrlLength: 2048,
  /** Tokens are accepted this long after `exp`: clocks at different edge locations differ slightly. */
  clockSkewSeconds: 30,

  // --- Upload records (one Durable Object per signed or resumable upload) --------------------------------
  /** IDLE_TIMEOUT_MS default: an incoming body with no bytes for this long is cut (a stalled client). */
  defaultIdleTimeoutMs: 60 * SECOND,
  /**
   * A claim on a signed URL (a single-request upload in progress) is renewed as bytes arrive, at most this
   * often; one not renewed for leaseMs is stale (its invocation died or stalled): it is failed and the URL
   * can be used again. leaseMs exceeds the idle timeout, so a live upload is cut before its lease lapses.
   */
  heartbeatEveryMs: 10 * SECOND,
  leaseMs: 90 * SECOND,
  /** A finished record (its callbacks done) is kept this long for GET /v1/uploads/{id}, then deleted. */
  recordRetentionMs: 1 * DAY_MS,

  // --- Callbacks ----------------------------------------------------------------------------------------
  /** Attempts before giving up: about 4 hours of backoff in all (1 s × 4ⁿ, capped at 1 h). */
  callbackAttempts: 8,
  callbackFirstBackoffMs: 1 * SECOND,
  callbackMaxBackoffMs: 3600 * SECOND,
  /** One attempt's wait for the backend's answer. */
  callbackTimeoutMs: 10 * SECOND,

  // --- Resumable uploads and staging (R2) -----------------------------------------------------------------
  /**
   * Largest resumable upload for providers that document no limit: 5 GB, useapi's, which keeps every
   * staged object within R2's single-put ceiling (4.995 GiB) should it ever be re-put. Also Tus-Max-Size.
   */
  resumableMaxBytes: 5_000_000_000,
  /** Unfinished resumable uploads are kept this long (Upload-Expires), as R2 keeps unfinished multipart uploads. */
  tusExpiryMs: 7 * DAY_MS,
  /**
   * Partial uploads one final upload may name (tus concatenation): each is one R2 read per delivery, and
   * clients split into a handful (tus-js-client's parallelUploads; the SDK uses 4).
   */
  concatMaxPartials: 32,
  /** Staged files are kept as long as WaveSpeed keeps its own: 7 days. */
  stagedRetentionMs: 7 * DAY_MS,
  /** R2 multipart parts: 5 MiB–5 GiB, at most 10,000 (https://developers.cloudflare.com/r2/objects/multipart-objects/#limitations). */
  minPartBytes: 5 * MiB,
  maxPartBytes: 5 * 1024 * MiB,
  maxParts: 10_000,
  /**
   * Delivery of a staged file from R2 is piped natively (no JS sees its bytes), so the gateway can't tell
   * when the provider has the last byte: the provider's timeout is counted from the start, plus the time
   * the file takes at this rate at least (5 GB: ~16 min).
   */
  deliveryMinBytesPerSecond: 5 * MiB,
  /** The daily sweep deletes staged objects older than any upload may live, plus this margin. */
  sweepMarginMs: 1 * DAY_MS,

  // --- Kept originals (R2, docs/reuse.md) ------------------------------------------------------------------
  /**
   * keep_days at most: a year. Keeping is paid storage (R2 bills stored GB-months), so retention is bounded
   * and chosen; 0 keeps nothing.
   */
  keepDaysMax: 365,
  keepDayMs: DAY_MS,
  /** POST /v1/files/{id}/refresh margin_seconds at most: 30 days, OpenAI's longest expires_after. */
  refreshMarginMaxSeconds: 30 * 24 * 3600,

  // --- File registry (D1) ----------------------------------------------------------------------------------
  /** GET /v1/files page size: default, and at most (one D1 query reads a page plus one row). */
  filesPageDefault: 20,
  filesPageMax: 100,
  /** MiniMax keeps video_understanding uploads at most 7 days (its file documentation). */
  minimaxVideoUnderstandingRetentionMs: 7 * DAY_MS,
  /**
   * A declared digest is checked before the file's last bytes go out: at least this many are held back
   * until the digest matches, so a mismatch never delivers a complete file.
   */
  digestHoldBytes: 1,
  // --- Keys, scopes, quotas and usage ----------------------------------------------------------------------
  /** A key's name: a label for people. */
  keyNameLength: 64,
  /** Key ids as a query parameter (GET /v1/usage?key=): ours are "key_" and 22 base64url characters. */
  keyIdLength: 64,
  /** Providers or actions a key lists: more than there are of either, so a valid list always fits. */
  keyScopeItems: 32,
  /** Live keys a project may hold (GET /v1/keys answers them in one page; each is one small D1 row). */
  keysPerProject: 100,
  /**
   * KEY_CACHE_MS default: how long an isolate may answer a key from its memory instead of D1 (the key's
   * lookup is a D1 round trip on every request otherwise, to the database's primary: 50 ms away costs every
   * call 50 ms). It is the bound on revocation elsewhere: a key revoked, or a project's quotas changed, in one
   * isolate takes effect there at once and in every other isolate within this (docs/keys.md#revocation).
   */
  defaultKeyCacheMs: 10 * SECOND,
  /** KEY_CACHE_MS at most: revocation must hold within a minute whatever the setting. */
  maxKeyCacheMs: 60 * SECOND,
  /** Keys an isolate remembers at once (each a few hundred bytes; the least recently used goes first). */
  keyCacheEntries: 1_000,
  /** bytes_per_day at most: 1 PB, so a day's sum of them stays an exact integer in a double (< 2^53). */
  quotaMaxBytesPerDay: 1_000_000_000_000_000,
  /** uploads_per_minute at most: the quota object keeps one start time per counted upload in the window. */
  quotaMaxUploadsPerMinute: 10_000,
  /** concurrent_uploads at most: the quota object keeps one reservation per upload in flight. */
  quotaMaxConcurrent: 1_000,
  /**
   * Reservations a project's quota object holds at once, whatever its quotas: bounds its state (each is a
   * few dozen bytes, the whole state written on every change).
   */
  quotaReservations: 2_000,
  /**
   * A reservation not settled within this is released (its invocation died): longer than any single
   * request may take (a 5 GB body at a slow 2 MB/s is ~42 min), so a live upload is never released early.
   */
  quotaLeaseMs: 60 * 60 * SECOND,
  /** Retry-After for concurrent_uploads: an upload in flight usually ends within seconds. */
  quotaConcurrentRetrySeconds: 1,
  /** GET /v1/usage: days in one answer (one row per day and provider). */
  usageMaxDays: 366,
  /** GET /v1/usage without `from`: this many days up to `to`. */
  usageDefaultDays: 30,

  // --- Events and webhooks (services/events) ----------------------------------------------------------------
  /** ?upload_id= on GET /v1/events: our ids are well under this. */
  eventFilterLength: 128,
  /** Webhook endpoints a project may register (GET /v1/webhooks answers them in one page; each is one row). */
  webhooksPerProject: 20,
  /**
   * The delay before each retry of a failed delivery, in seconds: exponential from 5 s, capped at a
   * Queue's longest delay (12 h, https://developers.cloudflare.com/queues/configuration/batching-retries/),
   * 11 retries over 39 h 42 min in all — past the 24 hours an endpoint may be down for a release or an
   * outage. After the last failed attempt the delivery is marked failed (POST /v1/events/{id}/resend).
   */
  webhookBackoffSeconds: [5, 30, 120, 600, 1800, 3600, 7200, 14400, 28800, 43200, 43200] as readonly number[],
  /** One delivery attempt: the endpoint answers within this (Standard Webhooks advises answering fast). */
  webhookTimeoutMs: 15 * SECOND,
  /** A waiting event (an earlier event of its upload is undelivered) is looked at again after this. */
  webhookOrderWaitSeconds: 10,
  /**
   * An event whose delivery was never attempted this long after it was written lost its queue message (the
   * daily cron queues it again): far beyond a queue's normal delay of seconds.
   */
  webhookRequeueAfterMs: 15 * 60 * SECOND,
  /** What of an endpoint's failed answer reaches a log line, at most (its body is never stored). */
  webhookLogExcerptBytes: 256,
} as const;
