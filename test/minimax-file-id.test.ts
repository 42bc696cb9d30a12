// MiniMax's file_id is an int64: above 2^53 a JavaScript number rounds it (9007199254740993123 reads as
// 9007199254740993000), and a rounded id names another file or none. The adapter reads the digits MiniMax
// sent and carries them as a string: providerFileId, reference, and the answer passed on. The provider's
// side of the wire is a fetch answering MiniMax's documented JSON, written as text (JSON.stringify could
// not even produce it); everything from the request encoding to the parse is the real adapter.
import { describe, expect, it } from "vitest";
import { SANDBOX_KEYS } from "../sandbox/providers";
import { adapter } from "../worker/providers/adapters";
import type { AdapterResult } from "../worker/providers/kit/types";
import { capability } from "../worker/providers/table";
import { emulatorUrl, randomBytes, SAMPLES } from "./helpers";

/** MiniMax's success answer with `fileId` written as a bare JSON number. */
const answer = (fileId: string) =>
  `{"file":{"file_id":${fileId},"bytes":3000,"created_at":1763596800,"filename":"a.mp3",` +
  `"purpose":"voice_clone"},"base_resp":{"status_code":0,"status_msg":"success"}}`;

/** Uploads through the MiniMax adapter; `body` is what the provider answers (after reading our request). */
async function upload(body?: string): Promise<AdapterResult> {
  const bytes = randomBytes(3000);
  const sample = SAMPLES.minimax;
  return adapter("minimax").upload({
    file: { name: "a.mp3", type: sample.type, size: bytes.length, stream: new Blob([bytes]).stream() },
    options: sample.fields,
    config: {
      apiKey: SANDBOX_KEYS.minimax,
      baseUrl: `${emulatorUrl()}${capability("minimax").dev.sandboxPath}`,
      defaults: {},
    },
    fetch:
      body === undefined
        ? (input, init) => fetch(input, init)
        : async (input, init) => {
            await new Request(input, init).arrayBuffer();
            return new Response(body, { headers: { "content-type": "application/json" } });
          },
    signal: new AbortController().signal,
  });
}

describe("MiniMax file_id (int64) is carried as its digits", () => {
  it.each([
    ["above 2^53", "9007199254740993123"],
    ["2^53 + 1, the first integer a double cannot hold", "9007199254740993"],
    ["the largest int64", "9223372036854775807"],
    ["a small one", "42"],
  ])("%s: %s", async (_name, digits) => {
    // The premise: read as a number, this id would not be itself (or, when small, still is).
    expect(String(JSON.parse(digits)) === digits).toBe(Number.isSafeInteger(Number(digits)));
    const { data, error } = await upload(answer(digits));
    expect(error).toBeUndefined();
    expect(data?.providerFileId).toBe(digits);
    expect(data?.reference).toBe(digits);
    // The answer passed on (UploadResult.provider_response) has the digits too, as a string.
    expect(data?.response).toMatchObject({ file: { file_id: digits, bytes: 3000 } });
  });

  it("through the emulator's MiniMax: the id arrives as a string of digits", async () => {
    const { data, error } = await upload();
    expect(error).toBeUndefined();
    expect(data?.providerFileId).toMatch(/^\d+$/);
    expect(data?.response).toMatchObject({ file: { file_id: data?.providerFileId } });
  });

  it("refuses an answer whose file_id is not an integer rather than passing on something else", async () => {
    for (const fileId of ["1.5", "-3", "null", '"abc"', "1e21"]) {
      const { data, error } = await upload(answer(fileId));
      expect(data, fileId).toBeUndefined();
      expect(error, fileId).toMatchObject({ code: "provider_error", status: 200 });
    }
  });

  it("an in-band failure is still read as one (base_resp, no file)", async () => {
    const { error } = await upload('{"base_resp":{"status_code":1008,"status_msg":"insufficient balance"}}');
    expect(error).toMatchObject({ code: "provider_error", providerCode: 1008 });
    expect(error?.detail).toBe("base_resp 1008: insufficient account balance");
  });
});
