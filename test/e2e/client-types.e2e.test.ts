// The SDK's media type for a file name is the gateway's: the built package (client/dist, what npm pack ships)
// against worker/core/media.ts, the table the gateway validates with. The SDK bundles that module in
// (client/src/sources.ts), so there is one table; this holds the build to it. In Node, no gateway.
import { typeOf } from "@mediagate/client";
import { describe, expect, it } from "vitest";
import { MEDIA } from "../../worker/core/media";

describe("the SDK's extension table", () => {
  it("gives every extension the gateway knows its canonical MIME type, in any case", () => {
    const entries = Object.entries(MEDIA);
    expect(entries.length).toBeGreaterThan(20);
    for (const [ext, media] of entries) {
      expect(typeOf(`clip.${ext}`), ext).toBe(media.mime[0]);
      expect(typeOf(`CLIP.${ext.toUpperCase()}`), ext).toBe(media.mime[0]);
    }
  });

  it("knows no extension the gateway does not (those are octet-stream, and refused as unsupported)", () => {
    for (const name of ["notes.pdf", "page.html", "archive.tar", "noextension", "dot."])
      expect(typeOf(name), name).toBe("application/octet-stream");
  });
});
