// tus checksum extension: Upload-Checksum on a PATCH.
import { describe, expect, it } from "vitest";
import { problemOf, randomBytes } from "../helpers";
import { created, head, patch } from "./helpers";

describe("checksum", () => {
  it("Upload-Checksum: a mismatch is 460 and the offset stays; a match is accepted", async () => {
    const { location } = await created({ provider: "useapi", filename: "a.png" }, 2000);
    const part = randomBytes(1000);
    const wrong = btoa(
      String.fromCharCode(...new Uint8Array(await crypto.subtle.digest("SHA-1", randomBytes(3)))),
    );
    await problemOf(
      await patch(location, 0, part, 1000, { "upload-checksum": `sha1 ${wrong}` }),
      460,
      "checksum_mismatch",
    );
    expect((await head(location)).headers.get("upload-offset")).toBe("0");
    const right = btoa(String.fromCharCode(...new Uint8Array(await crypto.subtle.digest("SHA-256", part))));
    const ok = await patch(location, 0, part, 1000, { "upload-checksum": `sha256 ${right}` });
    expect(ok.headers.get("upload-offset")).toBe("1000");
    await problemOf(
      await patch(location, 1000, part, 1000, { "upload-checksum": `md5 ${right}` }),
      400,
      "malformed_body",
    );
  });
});
