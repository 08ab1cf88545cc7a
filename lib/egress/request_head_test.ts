import assert from "node:assert/strict";
import { type HeadParse, parseRequestHead } from "./request_head.ts";
import { parseRequestTarget, TargetError } from "./request_target.ts";
import { BodyFramingError, requestBodyMeter } from "./body_framing.ts";
import { loggedMethod } from "./log_record.ts";
import { fuzzSeed, xorshift } from "../io/_test_fuzz.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

function parse(text: string): HeadParse {
  return parseRequestHead(bytes(text));
}

Deno.test("a complete head: request line, fields, length", () => {
  const text = "CONNECT github.com:443 HTTP/1.1\r\nHost: github.com:443\r\n" +
    "User-Agent:  curl/7.88 \r\n\r\nEARLY";
  const result = parse(text);
  assert.equal(result.kind, "complete");
  if (result.kind !== "complete") return;
  assert.deepEqual(result.head, {
    method: "CONNECT",
    target: "github.com:443",
    version: "HTTP/1.1",
    headers: [["Host", "github.com:443"], ["User-Agent", "curl/7.88"]],
  });
  assert.equal(text.slice(result.length), "EARLY");
});

Deno.test("a head is incomplete until its blank line", () => {
  assert.deepEqual(parse(""), { kind: "incomplete" });
  assert.deepEqual(parse("GET http://a.example/ HTTP/1.1\r\nHost: a"), {
    kind: "incomplete",
  });
  assert.deepEqual(parse("GET http://a.example/ HTTP/1.1\r\n\r"), {
    kind: "incomplete",
  });
});

Deno.test("malformed heads are refused with a status", () => {
  const cases: [string, number][] = [
    ["GET http://a.example/ HTTP/1.1\n\n", 400],
    ["GET http://a.example/\r\n\r\n", 400],
    ["GET  http://a.example/ HTTP/1.1\r\n\r\n", 400],
    ["GET http://a.example/ HTTP/2.0\r\n\r\n", 505],
    ["GET http://a.example/ http/1.1\r\n\r\n", 505],
    ["G(T http://a.example/ HTTP/1.1\r\n\r\n", 400],
    ["GET http://a.example/\x7f HTTP/1.1\r\n\r\n", 400],
    ["GET http://a.example/ HTTP/1.1\r\nX: a\r\n b\r\n\r\n", 400],
    ["GET http://a.example/ HTTP/1.1\r\n: empty\r\n\r\n", 400],
    ["GET http://a.example/ HTTP/1.1\r\nBad Name: x\r\n\r\n", 400],
    ["GET http://a.example/ HTTP/1.1\r\nX: a\0b\r\n\r\n", 400],
    ["GET http://a.example/ HTTP/1.1\r\nX: a\rb\r\n\r\n", 400],
    [
      "POST http://a.example/ HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
      400,
    ],
    [
      "POST http://a.example/ HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
      400,
    ],
    ["POST http://a.example/ HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400],
    [
      "POST http://a.example/ HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
      400,
    ],
    [
      "GET http://a.example/ HTTP/1.1\r\n" + "X: y\r\n".repeat(101) + "\r\n",
      431,
    ],
    ["GET http://a.example/ HTTP/1.1\r\nX: " + "y".repeat(20000), 431],
  ];
  for (const [text, status] of cases) {
    const result = parse(text);
    assert.equal(result.kind, "invalid", JSON.stringify(text.slice(0, 80)));
    if (result.kind === "invalid") {
      assert.equal(result.status, status, text.slice(0, 80));
    }
  }
  const same = parse(
    "POST http://a.example/ HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n",
  );
  assert.equal(same.kind, "complete");
});

/** Seeded numbers in [0, 1), so a failing input can be replayed. */
function random(seed: number): () => number {
  const next = xorshift(seed);
  return () => next() / 2 ** 32;
}

const PIECES = [
  "GET ",
  "CONNECT ",
  "POST ",
  "http://",
  "a.example",
  ":443",
  "[::1]",
  "/",
  " HTTP/1.1",
  " HTTP/1.0",
  "\r\n",
  "\n",
  "\r",
  "Host: ",
  "Content-Length: 5",
  "Transfer-Encoding: chunked",
  ": ",
  " ",
  "\t",
  "\0",
  "\xff",
  "%00",
  "@",
  "\r\n\r\n",
  "http://u@b.example:8080/x",
  "[2001:db8::1]:443",
  "EXAMPLE.org.:22",
  "xn--bcher-kva.example",
  "127.1:80",
];

function check(input: Uint8Array): void {
  const result = parseRequestHead(input);
  if (result.kind === "incomplete") {
    assert.ok(input.length < 16 * 1024);
    return;
  }
  if (result.kind === "invalid") {
    assert.ok([400, 431, 505].includes(result.status));
    assert.ok(result.reason.length > 0);
    return;
  }
  // Whatever is accepted is well formed: one space-separated request line,
  // a token method, visible-ASCII target, no CR or LF inside any field.
  assert.ok(result.length <= input.length);
  assert.match(result.head.method, /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/);
  assert.match(result.head.target, /^[\x21-\x7e]+$/);
  assert.ok(["HTTP/1.0", "HTTP/1.1"].includes(result.head.version));
  for (const [name, value] of result.head.headers) {
    assert.match(name, /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/);
    assert.ok(!/[\r\n\0]/.test(value));
  }
  // What the log shows of the method is never the client's own text.
  assert.match(loggedMethod(result.head.method), /^(?:[A-Z]+|OTHER\(\d+\))$/);
  // Its body framing is known, or refused cleanly.
  try {
    requestBodyMeter(result.head);
  } catch (error) {
    assert.ok(error instanceof BodyFramingError, String(error));
  }
  // The target of an accepted head either parses or is refused cleanly.
  try {
    const target = parseRequestTarget(result.head.method, result.head.target);
    assert.ok(target.port >= 1 && target.port <= 65535);
    assert.ok(!target.host.name.includes("@"));
  } catch (error) {
    assert.ok(error instanceof TargetError, String(error));
  }
}

Deno.test("fuzz: random heads are parsed, refused or awaited, never crash", () => {
  const seed = fuzzSeed();
  const next = random(seed);
  const started = Date.now();
  const replay = (round: string, input: Uint8Array) => {
    try {
      check(input);
    } catch (error) {
      throw new Error(`QUBESIFY_FUZZ_SEED=${seed} ${round}`, { cause: error });
    }
  };
  for (let round = 0; round < 100_000; round++) {
    let text = "";
    const count = 1 + Math.floor(next() * 14);
    for (let i = 0; i < count; i++) {
      text += PIECES[Math.floor(next() * PIECES.length)];
    }
    const input = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) input[i] = text.charCodeAt(i) & 0xff;
    replay(`pieces round ${round}`, input);
  }
  for (let round = 0; round < 20_000; round++) {
    const input = new Uint8Array(Math.floor(next() * 300));
    for (let i = 0; i < input.length; i++) input[i] = Math.floor(next() * 256);
    // Random bytes with a valid start, so the deeper checks are reached too.
    const prefixed = new Uint8Array([
      ...bytes("GET http://a.example/ HTTP/1.1\r\n"),
      ...input,
      13,
      10,
      13,
      10,
    ]);
    replay(`bytes round ${round}`, input);
    replay(`prefixed round ${round}`, prefixed);
  }
  assert.ok(Date.now() - started < 60_000);
});
