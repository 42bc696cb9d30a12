// The CLI's progress display (client/src/progress.ts) driven with a clock of its own, in Node, no gateway:
// rate and ETA after a resume count only the bytes this run sent; once every byte is sent the line says
// "delivering…" (the gateway is still handing the file to the provider) instead of "ETA 0s"; sizes are human.
// The whole CLI drawing on a real terminal is in cli.e2e.test.ts.
import { describe, expect, it } from "vitest";
import { humanSize } from "../../client/src/format";
import { progressPrinter } from "../../client/src/progress";

const MiB = 1024 * 1024;

function printer(tty: boolean) {
  let clock = 0;
  let text = "";
  const bar = progressPrinter("/tmp/big.mp4", {
    tty,
    write: (t) => {
      text += t;
    },
    now: () => clock,
  });
  const at = (ms: number, loaded: number, total = 100 * MiB) => {
    clock = ms;
    bar.update({ loaded, total, fraction: loaded / total, transport: "tus" });
  };
  /** The line last drawn (a terminal redraws one line after each "\r\x1b[2K"). */
  const last = () => text.split("\r\x1b[2K").at(-1) ?? "";
  return { bar, at, last, all: () => text };
}

describe("the CLI's progress line", () => {
  it("after a resume, counts only this run's bytes in the rate and ETA", () => {
    const p = printer(true);
    p.bar.resumed(90 * MiB);
    // The first report of this run is at the offset the gateway had; 1 MiB more follows each second.
    p.at(1000, 90 * MiB);
    p.at(2000, 91 * MiB);
    expect(p.last()).toMatch(/ 91% 91\.0 MiB\/100\.0 MiB 1\.0 MiB\/s ETA 9s$/);
    p.at(4000, 93 * MiB);
    expect(p.last()).toContain("1.0 MiB/s ETA 7s");
    expect(p.all()).toContain("big.mp4: resuming at 90.0 MiB\n");
  });

  it("says delivering… once every byte is sent, until the answer", () => {
    const p = printer(true);
    p.at(0, 0);
    p.at(1000, 50 * MiB);
    expect(p.last()).toContain("50.0 MiB/s ETA 1s");
    p.at(2000, 100 * MiB);
    expect(p.last()).toMatch(/100% 100\.0 MiB\/100\.0 MiB delivering…$/);
    expect(p.last()).not.toContain("ETA");
    p.bar.done();
    expect(p.all().endsWith("\n")).toBe(true);

    const plain = printer(false);
    plain.at(0, 0);
    plain.at(1000, 100 * MiB);
    expect(plain.all()).toBe(
      "/tmp/big.mp4: 0% (0 B/100.0 MiB, tus)\n/tmp/big.mp4: 100% (100.0 MiB/100.0 MiB, tus)\n" +
        "/tmp/big.mp4: all sent, delivering…\n",
    );
  });

  it("prints sizes in B, KiB, MiB and GiB with one decimal", () => {
    expect([0, 1000, 1536, 3 * MiB, 1023.99 * MiB, 4.7 * 1024 * MiB].map(humanSize)).toEqual([
      "0 B",
      "1000 B",
      "1.5 KiB",
      "3.0 MiB",
      "1.0 GiB",
      "4.7 GiB",
    ]);
  });
});
