import assert from "node:assert/strict";
import {
  type ControlReport,
  MAX_FAIL_REASON,
  MAX_REPORT_BYTES,
  parseControlReport,
} from "./control_report.ts";
import { fuzzSeed, xorshift } from "../io/_test_fuzz.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

Deno.test("exit and fail reports are read", () => {
  assert.deepEqual(parseControlReport(bytes("exit 3\n")), {
    kind: "exit",
    status: 3,
  });
  assert.deepEqual(parseControlReport(bytes("exit 0\n")), {
    kind: "exit",
    status: 0,
  });
  assert.deepEqual(parseControlReport(bytes("fail no launch spec\n")), {
    kind: "fail",
    reason: "no launch spec",
  });
});

Deno.test("anything else from the guest is ignored", () => {
  for (
    const junk of [
      "",
      "exit 256\n",
      "exit -1\n",
      "exit 3 extra\n",
      " exit 3\n",
      "fail \x1b[31mred\n",
      "x".repeat(5000) + "\nexit 1\n",
      "\xff\xfe",
    ]
  ) {
    assert.deepEqual(
      parseControlReport(bytes(junk)),
      { kind: "none" },
      JSON.stringify(junk),
    );
  }
});

Deno.test("a line cut off by the bound or the end of the stream is no report", () => {
  // "exit 35" whose last digit lies past the first 4096 bytes.
  const cut = bytes(`${"x".repeat(MAX_REPORT_BYTES - 7)}\nexit 35\n`);
  assert.equal(
    new TextDecoder().decode(cut.subarray(0, MAX_REPORT_BYTES)).slice(-7),
    "\nexit 3",
  );
  assert.deepEqual(parseControlReport(cut), { kind: "none" });
  assert.deepEqual(parseControlReport(bytes("exit 3")), { kind: "none" });
  assert.deepEqual(parseControlReport(bytes("fail cut shor")), {
    kind: "none",
  });
  // Ending exactly at the bound still counts.
  const last = bytes(`${"x".repeat(MAX_REPORT_BYTES - 9)}\nexit 35\n`);
  assert.equal(last.length, MAX_REPORT_BYTES);
  assert.deepEqual(parseControlReport(last), { kind: "exit", status: 35 });
});

/**
 * What the report should be, computed on bytes the plain way: the first
 * newline-ended line inside the bound that is `exit N` (N ≤ 255, at most
 * three digits) or `fail ` and 1 to 200 printable ASCII bytes.
 */
function expectedReport(input: Uint8Array): ControlReport {
  const isDigit = (byte: number) => byte >= 0x30 && byte <= 0x39;
  const isPrintable = (byte: number) => byte >= 0x20 && byte <= 0x7e;
  const startsWith = (line: Uint8Array, prefix: string) =>
    prefix.length <= line.length &&
    [...prefix].every((char, i) => line[i] === char.charCodeAt(0));
  let start = 0;
  for (let end = 0; end < Math.min(input.length, MAX_REPORT_BYTES); end++) {
    if (input[end] !== 0x0a) continue;
    const line = input.subarray(start, end);
    start = end + 1;
    const rest = line.subarray(5);
    if (
      startsWith(line, "exit ") && rest.length >= 1 && rest.length <= 3 &&
      rest.every(isDigit)
    ) {
      const status = Number(String.fromCharCode(...rest));
      if (status <= 255) return { kind: "exit", status };
    }
    if (
      startsWith(line, "fail ") && rest.length >= 1 &&
      rest.length <= MAX_FAIL_REASON && rest.every(isPrintable)
    ) {
      return { kind: "fail", reason: String.fromCharCode(...rest) };
    }
  }
  return { kind: "none" };
}

/** Pieces guest output is built of: report words, digits, odd bytes. */
const PIECES: readonly Uint8Array[] = [
  "exit ",
  "fail ",
  "exit",
  "fail",
  "\n",
  "\r\n",
  " ",
  "0",
  "7",
  "25",
  "255",
  "256",
  "999",
  "-1",
  "reason",
  "\x1b[31m",
  "\t",
  "é",
  "\u202e",
  "\u{1f600}",
  "\x00",
].map((piece) => bytes(piece)).concat([
  new Uint8Array([0xff]),
  new Uint8Array([0xc3]),
  new Uint8Array([0xe2, 0x80]),
  new Uint8Array([0x0a, 0x80]),
]);

Deno.test("control report fuzz: no crash, bounded, valid reports found", () => {
  const seed = fuzzSeed();
  const next = xorshift(seed);
  const counts = { exit: 0, fail: 0, none: 0, planted: 0 };
  const started = performance.now();
  for (let round = 0; round < 120_000; round++) {
    const chunks: Uint8Array[] = [];
    let length = 0;
    const push = (chunk: Uint8Array) => {
      chunks.push(chunk);
      length += chunk.length;
    };
    // Mostly short outputs; some run past the bound.
    const target = next() % 8 === 0 ? next() % 6000 : next() % 300;
    while (length < target) {
      if (next() % 4 === 0) {
        const random = new Uint8Array(1 + next() % 16);
        for (let i = 0; i < random.length; i++) random[i] = next() & 0xff;
        push(random);
      } else {
        push(PIECES[next() % PIECES.length]);
      }
    }
    // Every third round plants a valid report after lines that cannot be.
    let planted: ControlReport | undefined;
    if (round % 3 === 0) {
      chunks.length = 0;
      length = 0;
      for (let junk = next() % 5; junk > 0; junk--) {
        const line = new Uint8Array(1 + next() % 1500).fill(0x23);
        for (let i = 1; i < line.length; i++) {
          const byte = next() & 0xff;
          line[i] = byte === 0x0a ? 0x23 : byte;
        }
        push(line);
        push(bytes("\n"));
      }
      planted = next() % 2 === 0 ? { kind: "exit", status: next() % 256 } : {
        kind: "fail",
        reason: String.fromCharCode(
          ...Array.from(
            { length: 1 + next() % MAX_FAIL_REASON },
            () => 0x20 + next() % 95,
          ),
        ),
      };
      push(
        bytes(
          planted.kind === "exit"
            ? `exit ${planted.status}\n`
            : `fail ${(planted as { reason: string }).reason}\n`,
        ),
      );
      if (length > MAX_REPORT_BYTES) planted = { kind: "none" };
      push(PIECES[next() % PIECES.length]);
    }
    const input = new Uint8Array(length);
    chunks.reduce((at, chunk) => (input.set(chunk, at), at + chunk.length), 0);

    const where = `seed ${seed}, round ${round}`;
    const report = parseControlReport(input);
    counts[report.kind]++;
    if (report.kind === "exit") {
      assert.ok(
        Number.isInteger(report.status) && report.status >= 0 &&
          report.status <= 255,
        where,
      );
    }
    if (report.kind === "fail") {
      assert.match(report.reason, /^[\x20-\x7e]{1,200}$/, where);
    }
    assert.deepEqual(report, expectedReport(input), where);
    if (planted) {
      counts.planted++;
      assert.deepEqual(report, planted, where);
    }
  }
  assert.ok(counts.planted >= 40_000, JSON.stringify(counts));
  assert.ok(counts.exit > 1000 && counts.fail > 1000, JSON.stringify(counts));
  assert.ok(performance.now() - started < 60_000, "under a minute");
});
