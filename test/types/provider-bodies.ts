// Type tests (checked by `npm run typecheck`, never run): an adapter's multipart body is held to its
// generated request-body type exactly. A field the spec does not have, such as an optional field after a
// rename in the spec, must fail to compile, also where TypeScript's own excess-property check never runs
// (a body built first, a conditional spread). Each @ts-expect-error fails the typecheck if its line compiles.
import type { paths as dify } from "../../generated/dify";
import type { paths as minimax } from "../../generated/minimax";
import { type MultipartBody, multipartInit } from "../../worker/providers/kit/http";
import type { AdapterContext } from "../../worker/providers/kit/types";

type DifyUpload = MultipartBody<dify, "/files/upload">;
type MinimaxUpload = MultipartBody<minimax, "/v1/files/upload">;

declare const ctx: AdapterContext;
declare const user: string | undefined;

// Compiles: the spec's fields, the optional one given, omitted, or added by a conditional spread.
multipartInit<DifyUpload>()(ctx, { user: "alice", file: ctx.file });
multipartInit<DifyUpload>()(ctx, { file: ctx.file });
multipartInit<DifyUpload>()(ctx, { ...(user === undefined ? {} : { user }), file: ctx.file });
multipartInit<MinimaxUpload>()(ctx, { purpose: "voice_clone", file: ctx.file });

// @ts-expect-error: Dify's optional `user` under another name (the spec renamed it, or a typo).
multipartInit<DifyUpload>()(ctx, { usr: "alice", file: ctx.file });

// @ts-expect-error: the same through a conditional spread, where TypeScript itself checks nothing.
multipartInit<DifyUpload>()(ctx, { ...(user === undefined ? {} : { user_id: user }), file: ctx.file });

const built = { user: "alice", end_user: "alice", file: ctx.file };
// @ts-expect-error: a body built before the call (not a fresh object literal) with a key too many.
multipartInit<DifyUpload>()(ctx, built);

// @ts-expect-error: an optional field of the wrong type.
multipartInit<DifyUpload>()(ctx, { user: 42, file: ctx.file });

// @ts-expect-error: a required field missing (MiniMax's purpose).
multipartInit<MinimaxUpload>()(ctx, { file: ctx.file });

// @ts-expect-error: a value outside the spec's enum.
multipartInit<MinimaxUpload>()(ctx, { purpose: "music", file: ctx.file });

// @ts-expect-error: without the generated body type, no body compiles.
multipartInit()(ctx, { file: ctx.file });
