import assert from "node:assert/strict";
import { createSanitizer } from "./sanitize.ts";
import { fuzzSeed, xorshift } from "../io/_test_fuzz.ts";

const encode = (text: string) => new TextEncoder().encode(text);

/** What must never reach the terminal: controls but tab and LF, bidi. */
const UNSAFE =
  // deno-lint-ignore no-control-regex
  /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

Deno.test("escape sequences and C1 controls become replacement characters", () => {
  const clean = createSanitizer();
  assert.equal(
    clean(encode("ok\t\x1b]0;pwned\x07 \x1b[2J\r\n\u009b31m é\n")),
    "ok\t\ufffd]0;pwned\ufffd \ufffd[2J\n\ufffd31m é\n",
  );
});

Deno.test("a carriage return cannot overwrite the line", () => {
  const clean = createSanitizer();
  assert.equal(
    clean(encode("rm -rf ~ done\rall good      \r\n50%\r\r100%\r\r\n")),
    "rm -rf ~ done\nall good      \n50%\n100%\n",
  );
});

Deno.test("a carriage return at a chunk's end waits for the next byte", () => {
  const clean = createSanitizer();
  assert.equal(clean(encode("a\r")), "a");
  assert.equal(clean(encode("\nb\r")), "\nb");
  assert.equal(clean(encode("\r")), "");
  assert.equal(clean(encode("c")), "\nc");
});

Deno.test("bidirectional controls are replaced, other text kept", () => {
  const clean = createSanitizer();
  const bidi = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069" +
    "\u200e\u200f\u061c";
  assert.equal(
    clean(encode(`user\u202etxt.exe ${bidi} עברית 日本語 😀\n`)),
    `user\ufffdtxt.exe ${"\ufffd".repeat(12)} עברית 日本語 😀\n`,
  );
});

Deno.test("UTF-8 split across chunks survives", () => {
  const clean = createSanitizer();
  const bytes = encode("é\u202e");
  assert.equal(
    clean(bytes.subarray(0, 1)) + clean(bytes.subarray(1, 3)) +
      clean(bytes.subarray(3)),
    "é\ufffd",
  );
});

/** Bytes that matter to the filter, drawn more often than chance would. */
const INTERESTING = [
  [0x1b],
  [0x0d],
  [0x0a],
  [0x09],
  [0x07],
  [0x9b],
  [0xc2, 0x9b], // CSI as UTF-8
  [0xe2, 0x80, 0xae], // U+202E
  [0xe2, 0x81, 0xa6], // U+2066
  [0xe2, 0x80, 0x8f], // U+200F
  [0xd8, 0x9c], // U+061C
  [0xe2, 0x80], // a cut sequence
  [0xf0, 0x9f, 0x98, 0x80], // an emoji
  [0x5b],
  [0x41],
];

Deno.test("sanitizer fuzz: nothing unsafe gets out, whatever the chunking", () => {
  const seed = fuzzSeed();
  const next = xorshift(seed);
  for (let round = 0; round < 100_000; round++) {
    const bytes: number[] = [];
    const length = next() % 48;
    while (bytes.length < length) {
      if (next() % 2) bytes.push(...INTERESTING[next() % INTERESTING.length]);
      else bytes.push(next() % 256);
    }
    const input = Uint8Array.from(bytes);
    const whole = createSanitizer()(input);
    const clean = createSanitizer();
    let chunked = "";
    for (let at = 0; at < input.length;) {
      const end = Math.min(input.length, at + 1 + next() % 8);
      chunked += clean(input.subarray(at, end));
      at = end;
    }
    const context = `seed ${seed} round ${round}: ${JSON.stringify(bytes)}`;
    assert.equal(chunked, whole, context);
    assert.doesNotMatch(whole, UNSAFE, context);
    assert.ok(whole.length <= input.length, `${context}: output grew`);
    // Nothing printable is lost or made up: only controls are replaced.
    const printable = (text: string) =>
      text.replace(/[\r\n\ufffd]/g, "").replace(new RegExp(UNSAFE, "g"), "");
    const decoded = new TextDecoder().decode(input, { stream: true });
    assert.equal(printable(whole), printable(decoded), context);
  }
});
