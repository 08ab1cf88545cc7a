import assert from "node:assert/strict";
import {
  BodyFramingError,
  type BodyMeter,
  ChunkedBody,
  requestBodyMeter,
} from "./body_framing.ts";
import { parseRequestHead, type RequestHead } from "./request_head.ts";
import { fuzzSeed, xorshift } from "../io/_test_fuzz.ts";

const bytes = (text: string) => {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
  return out;
};

function head(fields: string): RequestHead {
  const parsed = parseRequestHead(
    bytes(`POST http://a.example/ HTTP/1.1\r\n${fields}\r\n`),
  );
  assert.equal(parsed.kind, "complete");
  return (parsed as { head: RequestHead }).head;
}

/** Feeds `input` in pieces of `sizes` (cycled); the body's length or an error. */
function meter(
  body: BodyMeter,
  input: Uint8Array,
  sizes: number[] = [input.length || 1],
): { length: number; done: boolean } | "error" {
  let offset = 0;
  for (let piece = 0; offset < input.length && !body.done; piece++) {
    const size = Math.max(1, sizes[piece % sizes.length]);
    const slice = input.subarray(offset, offset + size);
    let taken: number;
    try {
      taken = body.feed(slice);
    } catch (error) {
      assert.ok(error instanceof BodyFramingError, String(error));
      return "error";
    }
    assert.ok(taken >= 0 && taken <= slice.length);
    // A piece is taken whole unless the body ended inside it.
    if (taken < slice.length) assert.ok(body.done);
    offset += taken;
  }
  return { length: offset, done: body.done };
}

Deno.test("Content-Length bodies: exactly that many bytes, then done", () => {
  const body = requestBodyMeter(head("Content-Length: 5\r\n"));
  assert.deepEqual(meter(body, bytes("helloGET http://b.example/")), {
    length: 5,
    done: true,
  });
  const none = requestBodyMeter(head("Host: a.example\r\n"));
  assert.equal(none.done, true);
  assert.equal(none.feed(bytes("GET ")), 0);
  const same = requestBodyMeter(head("Content-Length: 3, 3\r\n"));
  assert.deepEqual(meter(same, bytes("abcdef"), [1]), {
    length: 3,
    done: true,
  });
});

Deno.test("chunked bodies end after the last chunk and the trailers", () => {
  const cases: [string, string][] = [
    ["0\r\n\r\n", "GET /"],
    ["5\r\nhello\r\n0\r\n\r\n", ""],
    ["5;name=value\r\nhello\r\n000\r\n\r\n", "rest"],
    ["A\r\n0123456789\r\n0\r\nX-Sum: 1\r\nY: 2\r\n\r\n", "next"],
    ['1 ; a="b;c"\r\nx\r\n0\r\n\r\n', "0\r\n\r\n"],
  ];
  for (const [body, rest] of cases) {
    const text = body + rest;
    for (const sizes of [[text.length], [1], [2, 7, 3]]) {
      const meterOf = requestBodyMeter(head("Transfer-Encoding: chunked\r\n"));
      assert.deepEqual(
        meter(meterOf, bytes(text), sizes),
        { length: body.length, done: true },
        `${JSON.stringify(text)} in pieces of ${sizes}`,
      );
    }
  }
  const partial = new ChunkedBody();
  assert.equal(partial.feed(bytes("5\r\nhel")), 6);
  assert.equal(partial.done, false);
});

Deno.test("malformed chunked bodies are refused", () => {
  const cases = [
    "5\nhello\r\n0\r\n\r\n",
    "5\r\nhello\n0\r\n\r\n",
    "5\r\nhelloX\r\n0\r\n\r\n",
    "-5\r\nhello\r\n",
    "0x5\r\nhello\r\n",
    "\r\n",
    " 5\r\nhello\r\n",
    "5 x\r\nhello\r\n",
    "5;\0\r\nhello\r\n",
    "5\r\r\nhello\r\n",
    "fffffffffffffff\r\n",
    "0\r\nno colon\r\n\r\n",
    "0\r\n: empty name\r\n\r\n",
    "0\r\nX: a\rb\r\n\r\n",
    "0\r\n\n",
    `${"1".repeat(5000)}\r\n`,
    `0\r\n${"X: y\r\n".repeat(3000)}\r\n`,
  ];
  for (const text of cases) {
    assert.equal(
      meter(new ChunkedBody(), bytes(text)),
      "error",
      JSON.stringify(text.slice(0, 60)),
    );
    assert.equal(meter(new ChunkedBody(), bytes(text), [1]), "error");
  }
});

const PIECES = [
  "0",
  "1",
  "5",
  "a",
  "F",
  "10",
  "0000",
  "fffffffffffff",
  "ffffffffffffff",
  "\r\n",
  "\r",
  "\n",
  ";",
  ";x=y",
  ' ;q="a b"',
  "hello",
  "x",
  "\0",
  "\xff",
  "Trailer: v",
  ": ",
  " ",
  "\t",
  "\r\n\r\n",
  "0\r\n\r\n",
  "5\r\nhello\r\n",
];

/** A valid chunked body of random chunks, trailers and extensions. */
function validBody(next: () => number): string {
  let text = "";
  const chunks = next() % 5;
  for (let c = 0; c < chunks; c++) {
    const size = 1 + next() % 40;
    const extension = next() % 3 === 0 ? ";k=v" : "";
    text += `${size.toString(16)}${extension}\r\n${"d".repeat(size)}\r\n`;
  }
  text += "0\r\n";
  for (let t = next() % 3; t > 0; t--) text += `T${t}: ${"v".repeat(t)}\r\n`;
  return text + "\r\n";
}

Deno.test("fuzz: chunked bodies are measured alike however they are split", () => {
  const seed = fuzzSeed();
  const next = xorshift(seed);
  const started = Date.now();
  for (let round = 0; round < 120_000; round++) {
    let text = "";
    let validLength = -1;
    if (round % 4 === 0) {
      text = validBody(next);
      validLength = text.length;
      text += "GET http://b.example/ HTTP/1.1\r\n\r\n".slice(0, next() % 34);
    } else {
      for (let i = 1 + next() % 12; i > 0; i--) {
        text += PIECES[next() % PIECES.length];
      }
    }
    const input = bytes(text);
    const whole = meter(new ChunkedBody(), input);
    const sizes = [1 + next() % 7, 1 + next() % 3, 1 + next() % 50];
    const split = meter(new ChunkedBody(), input, sizes);
    assert.deepEqual(split, whole, `seed ${seed} round ${round}`);
    if (validLength >= 0) {
      assert.deepEqual(whole, { length: validLength, done: true });
    }
  }
  // Random bytes after a valid start reach the deeper states.
  for (let round = 0; round < 20_000; round++) {
    const tail = new Uint8Array(next() % 64);
    for (let i = 0; i < tail.length; i++) tail[i] = next() & 0xff;
    const input = new Uint8Array([...bytes("3\r\nabc\r\n"), ...tail]);
    assert.deepEqual(
      meter(new ChunkedBody(), input, [1 + next() % 9]),
      meter(new ChunkedBody(), input),
      `seed ${seed} bytes round ${round}`,
    );
  }
  assert.ok(Date.now() - started < 60_000);
});

Deno.test("fuzz: endless size lines and trailers stay bounded", () => {
  const body = new ChunkedBody();
  assert.throws(() => {
    for (let i = 0; i < 1_000_000; i++) body.feed(bytes("0"));
  }, BodyFramingError);
  const trailers = new ChunkedBody();
  trailers.feed(bytes("0\r\n"));
  assert.throws(() => {
    for (let i = 0; i < 1_000_000; i++) trailers.feed(bytes("X: y\r\n"));
  }, BodyFramingError);
});
