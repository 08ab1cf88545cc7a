import assert from "node:assert/strict";
import {
  checkAddress,
  connectDestination,
  resolveDestination,
} from "./destination.ts";
import { type IpAddress, parseIpAddress } from "./ip_address.ts";
import { Refusal } from "./refusal.ts";
import { parseRequestTarget } from "./request_target.ts";
import type { Resolve } from "./resolver.ts";

const ip = (text: string): IpAddress => parseIpAddress(text)!;
const record = () => ({ address: null as string | null, rule: "" });

/** Runs `body`, which must throw a Refusal, and returns the refusal. */
async function refusal(body: () => unknown): Promise<Refusal> {
  try {
    await body();
  } catch (error) {
    if (error instanceof Refusal) return error;
    throw error;
  }
  throw new Error("expected a refusal");
}

Deno.test("always-deny addresses are refused 403 and named in the record", async () => {
  const seen = record();
  const refused = await refusal(() => checkAddress(ip("127.0.0.1"), [], seen));
  assert.deepEqual(
    [refused.status, refused.rule, refused.decision, refused.reason],
    [
      403,
      "always-deny loopback 127.0.0.0/8",
      "deny",
      "127.0.0.1 is a loopback address",
    ],
  );
  assert.deepEqual(seen, {
    address: "127.0.0.1",
    rule: "always-deny loopback 127.0.0.0/8",
  });
  const own = await refusal(() =>
    checkAddress(ip("198.51.100.1"), [ip("198.51.100.1")], record())
  );
  assert.match(own.rule, /^always-deny host-address/);
  const open = record();
  checkAddress(ip("203.0.113.9"), [], open);
  assert.deepEqual(open, record());
});

Deno.test("resolving: literals as they are; failures are allowed requests answered 502 or 504", async () => {
  const target = parseRequestTarget("CONNECT", "example.org:443");
  const literal = parseRequestTarget("CONNECT", "203.0.113.9:443");
  const never: Resolve = () => Promise.reject(new Error("unreachable"));
  assert.deepEqual(await resolveDestination(literal, never, 100), [
    ip("203.0.113.9"),
  ]);
  assert.deepEqual(
    await resolveDestination(target, () => Promise.resolve([ip("::1")]), 100),
    [ip("::1")],
  );
  const failed = await refusal(() => resolveDestination(target, never, 100));
  assert.deepEqual(
    [failed.status, failed.rule, failed.decision],
    [502, "cannot resolve: unreachable", "allow"],
  );
  const empty = await refusal(() =>
    resolveDestination(target, () => Promise.resolve([]), 100)
  );
  assert.deepEqual(
    [empty.status, empty.rule, empty.reason],
    [502, "cannot resolve: no addresses", "example.org has no addresses"],
  );
  const slow: Resolve = (_, signal) =>
    new Promise((_, reject) =>
      signal.addEventListener("abort", () => reject(signal.reason))
    );
  const late = await refusal(() => resolveDestination(target, slow, 20));
  assert.deepEqual([late.status, late.rule], [
    504,
    "cannot resolve: timed out",
  ]);
});

Deno.test("connecting: the first address that answers; refused ports are 502", async () => {
  const closed = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = closed.addr.port;
  closed.close();
  const seen = record();
  const refused = await refusal(() =>
    connectDestination([ip("127.0.0.1")], port, 1000, seen)
  );
  assert.deepEqual(
    [refused.status, refused.decision, refused.reason],
    [502, "allow", `cannot connect to port ${port}`],
  );
  assert.match(refused.rule, /^cannot connect: /);
  assert.equal(seen.address, "127.0.0.1");
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepted = listener.accept();
  const conn = await connectDestination(
    [ip("127.0.0.1")],
    listener.addr.port,
    1000,
    record(),
  );
  conn.close();
  (await accepted).close();
});
