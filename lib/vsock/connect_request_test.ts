import assert from "node:assert/strict";
import {
  type ConnectRequest,
  encodeConnectAnswer,
  encodeConnectRequest,
  isConnectAnswer,
  MAX_CONNECT_LINE,
  parseConnectRequest,
} from "./connect_request.ts";
import { fuzzSeed, xorshift } from "../io/_test_fuzz.ts";

const text = (line: string) => new TextEncoder().encode(line);

Deno.test("CONNECT line: a request, its trailing bytes, and the answer", () => {
  assert.deepEqual(parseConnectRequest(encodeConnectRequest(5000)), {
    kind: "connect",
    port: 5000,
    rest: new Uint8Array(0),
  });
  assert.deepEqual(parseConnectRequest(text("CONNECT 4294967295\r\nhi")), {
    kind: "connect",
    port: 0xffff_ffff,
    rest: text("hi"),
  });
  assert.deepEqual(parseConnectRequest(text("CONNECT 50")), {
    kind: "partial",
  });
  assert.deepEqual(encodeConnectAnswer(49152), text("OK 49152\n"));
  assert.ok(isConnectAnswer("OK 49152"));
  assert.ok(!isConnectAnswer("OK port"));
});

Deno.test("CONNECT line: bad lines are refused, saying what came", () => {
  for (
    const line of [
      "CONNECT 4294967296",
      "CONNECT -1",
      "CONNECT 0x10",
      "connect 5",
      "CONNECT  5",
      "",
    ]
  ) {
    const parsed = parseConnectRequest(text(`${line}\n`));
    assert.equal(parsed.kind, "refused", line);
    assert.match(
      (parsed as { reason: string }).reason,
      /^bad host → guest request ".*"$/,
    );
  }
});

Deno.test("CONNECT line: at most 32 bytes, newline included", () => {
  const padded = (length: number) =>
    text(`CONNECT 5${" ".repeat(length - 10)}\n`);
  assert.equal(padded(MAX_CONNECT_LINE).length, MAX_CONNECT_LINE);
  assert.equal(parseConnectRequest(padded(MAX_CONNECT_LINE)).kind, "connect");
  const long = padded(MAX_CONNECT_LINE + 1);
  assert.equal(parseConnectRequest(long).kind, "refused");
  assert.deepEqual(parseConnectRequest(long.subarray(0, 31)), {
    kind: "partial",
  });
  assert.deepEqual(parseConnectRequest(long.subarray(0, 32)), {
    kind: "refused",
    reason: "host → guest request over 32 bytes",
  });
});

Deno.test("CONNECT line fuzz: random and mutated lines never crash or pass the bound", () => {
  const seed = fuzzSeed();
  const next = xorshift(seed);
  const alphabet = text("CONNECT 0123456789\n\r\t -xOK");
  const counts = { partial: 0, connect: 0, refused: 0 };
  for (let round = 0; round < 100_000; round++) {
    let bytes: Uint8Array = encodeConnectRequest(next() % 100_000);
    const kind = next() % 3;
    if (kind === 0) {
      // Random bytes, mostly from the line's own alphabet.
      bytes = new Uint8Array(next() % 48);
      for (let i = 0; i < bytes.length; i++) {
        bytes[i] = next() % 4 ? alphabet[next() % alphabet.length] : next();
      }
    } else if (kind === 1) {
      // A valid line with 1-3 bytes changed, then cut or extended.
      bytes = bytes.slice();
      for (let changes = 1 + (next() % 3); changes > 0; changes--) {
        bytes[next() % bytes.length] = alphabet[next() % alphabet.length];
      }
      const resized = new Uint8Array(next() % 40);
      resized.set(bytes.subarray(0, Math.min(resized.length, bytes.length)));
      bytes = resized;
    }
    let parsed: ConnectRequest;
    try {
      parsed = parseConnectRequest(bytes);
    } catch (error) {
      assert.fail(`seed ${seed}, round ${round}: threw ${error}`);
    }
    counts[parsed.kind]++;
    const newline = bytes.indexOf(0x0a);
    if (parsed.kind === "partial") {
      assert.ok(
        newline === -1 && bytes.length < MAX_CONNECT_LINE,
        `seed ${seed}`,
      );
    } else if (parsed.kind === "connect") {
      assert.ok(newline !== -1 && newline < MAX_CONNECT_LINE, `seed ${seed}`);
      assert.ok(Number.isInteger(parsed.port) && parsed.port <= 0xffff_ffff);
      assert.equal(parsed.rest.length, bytes.length - newline - 1);
      // Cut before its newline, the same line is still only partial.
      assert.deepEqual(
        parseConnectRequest(bytes.subarray(0, newline)),
        { kind: "partial" },
      );
    }
  }
  assert.ok(counts.connect > 10_000, `seed ${seed}: ${JSON.stringify(counts)}`);
  assert.ok(counts.refused > 10_000, `seed ${seed}: ${JSON.stringify(counts)}`);
});
