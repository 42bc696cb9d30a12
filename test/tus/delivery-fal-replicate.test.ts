// tus delivery from R2 to the providers that are not one plain request: fal (initiate, then the staged
// object's native stream as the PUT's body) and Replicate (multipart, with its metadata option from
// Upload-Metadata), in one fan-out; each receives bytes that hash to the staged file's SHA-256.
import { describe, expect, it } from "vitest";
import { marker, receivedWith } from "../helpers";
import { created, MiB, patch, pattern, patternSha, status } from "./helpers";

describe("tus delivery to fal and Replicate", () => {
  it("a staged file fans out to both; bytes verified by SHA-256 at each", async () => {
    const mark = marker("tus2");
    const length = 6 * MiB + 321;
    const { location, id } = await created(
      {
        providers: "fal,replicate",
        filename: `${mark}.png`,
        filetype: "image/png",
        metadata: '{"run": 7}',
      },
      length,
    );
    const first = 5 * MiB;
    expect((await patch(location, 0, pattern(11, 0, first), first)).status).toBe(204);
    const last = await patch(location, first, pattern(11, first, length - first), length - first);
    expect(last.status).toBe(204);
    const digest = await patternSha(11, length);
    const seen = await receivedWith(mark, 2);
    expect(seen.map((r) => [r.provider, r.complete, r.bytes, r.sha256, r.status]).sort()).toEqual([
      ["fal", true, length, digest, 200],
      ["replicate", true, length, digest, 201],
    ]);
    expect(seen.find((r) => r.provider === "fal")?.contentLength).toBe(length);
    expect(seen.find((r) => r.provider === "replicate")?.fields.metadata).toBe('{"run":7}');
    const done = await status(id);
    expect(done.status).toBe("completed");
    const results = Object.fromEntries((done.deliveries ?? []).map((d) => [d.provider, d.result]));
    expect(results.fal?.file.sha256).toBe(digest);
    expect(results.replicate).toMatchObject({ file: { sha256: digest } });
    expect(results.replicate?.expires_at).not.toBeNull();
    expect(results.fal?.expires_at).toBeNull();
  });
});
