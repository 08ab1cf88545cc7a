import assert from "node:assert/strict";
import { join } from "node:path";
import {
  type EgressRecord,
  formatRecord,
  parseRecordLine,
} from "./log_record.ts";
import { readLog } from "./log_reader.ts";
import { openLogFile, rotatedLogPath } from "./log_writer.ts";

function record(overrides: Partial<EgressRecord>): EgressRecord {
  return {
    time: "2026-01-01T00:00:00.000Z",
    vm: "dev",
    method: "CONNECT",
    host: "github.com",
    port: 443,
    address: "203.0.113.10",
    decision: "allow",
    rule: "allow github.com ports 443",
    status: 200,
    error: null,
    bytes_up: 10,
    bytes_down: 20,
    duration_ms: 5,
    ...overrides,
  };
}

Deno.test("records are appended as JSON lines and read back, by VM", async () => {
  const dir = await Deno.makeTempDir({ prefix: "qubesify-egress-log-" });
  try {
    const path = join(dir, "sub", "log.jsonl");
    const sink = await openLogFile(path);
    sink.write(record({ vm: "dev" }));
    sink.write(record({ vm: "web", decision: "deny", rule: "deny x" }));
    sink.write(record({ vm: "dev", port: 22 }));
    await sink.close();
    await Deno.writeTextFile(path, 'not json\n{"partial": true}\n', {
      append: true,
    });
    const all = await Array.fromAsync(readLog({ path }));
    assert.equal(all.length, 3);
    const dev = await Array.fromAsync(readLog({ path, vm: "dev" }));
    assert.deepEqual(dev.map((r) => r.port), [443, 22]);
    assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/**
 * Follows the log at `path`, collecting each record's port, until `count`
 * have come (then it aborts `controller`) or `controller` is aborted.
 */
function followPorts(
  path: string,
  controller: AbortController,
  count: number,
  intervalMs: number,
) {
  const seen: number[] = [];
  const following = (async () => {
    for await (
      const entry of readLog({
        path,
        follow: true,
        signal: controller.signal,
        intervalMs,
      })
    ) {
      seen.push(entry.port!);
      if (seen.length === count) controller.abort();
    }
  })();
  return { seen, following };
}

Deno.test("following the log yields records written later", async () => {
  const dir = await Deno.makeTempDir({ prefix: "qubesify-egress-log-" });
  const controller = new AbortController();
  try {
    const path = join(dir, "log.jsonl");
    const sink = await openLogFile(path);
    sink.write(record({ port: 1 }));
    const { seen, following } = followPorts(path, controller, 2, 20);
    await new Promise((resolve) => setTimeout(resolve, 100));
    sink.write(record({ port: 2 }));
    await sink.close();
    await following;
    assert.deepEqual(seen, [1, 2]);
  } finally {
    controller.abort();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("printed records carry no control characters", () => {
  const line = formatRecord(
    record({
      rule: "x\x1b[31mred\nnext",
      host: "[::1]",
      vm: null,
      error: "idle timeout",
    }),
  );
  // deno-lint-ignore no-control-regex
  assert.ok(!/[\x00-\x1f]/.test(line));
  assert.match(line, /^2026-01-01T00:00:00.000Z - allow CONNECT/);
  assert.match(line, /error: idle timeout$/);
  assert.equal(parseRecordLine("[]"), undefined);
  assert.equal(
    parseRecordLine('{"time":"t","decision":"maybe","rule":""}'),
    undefined,
  );
});

Deno.test("printed records neutralise direction overrides and odd fields", () => {
  const line = formatRecord(
    record({
      host: "evil\u202eexample.com",
      rule: "a\u2066b\u200bc\u2028d\x85e",
      method: "OTHER(3)",
    }),
  );
  assert.ok(!/[\u202e\u2066\u200b\u2028\x85]/.test(line), line);
  // A foreign line may hold any JSON types where strings belong.
  const foreign = parseRecordLine(
    '{"time":"t","decision":"deny","rule":"r","host":5,"port":"\u202e"}',
  )!;
  assert.match(formatRecord(foreign), /^t - deny - 5:\? /);
});

Deno.test("the log is rotated at its size cap, keeping one .1", async () => {
  const dir = await Deno.makeTempDir({ prefix: "qubesify-egress-log-" });
  try {
    const path = join(dir, "log.jsonl");
    const line = JSON.stringify(record({ port: 1 })).length + 1;
    const maxBytes = 10 * line;
    const sink = await openLogFile(path, { maxBytes });
    for (let port = 1; port <= 35; port++) sink.write(record({ port }));
    await sink.close();
    assert.ok((await Deno.stat(path)).size <= maxBytes);
    assert.ok((await Deno.stat(rotatedLogPath(path))).size <= maxBytes);
    // The rotated file is read first: the newest records, in order.
    const ports = (await Array.fromAsync(readLog({ path }))).map((r) => r.port);
    assert.ok(ports.length >= 12, String(ports));
    assert.deepEqual(
      ports,
      Array.from({ length: ports.length }, (_, i) => 36 - ports.length + i),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("writers sharing a log keep it under its cap and every line whole", async () => {
  const dir = await Deno.makeTempDir({ prefix: "qubesify-egress-log-" });
  try {
    const path = join(dir, "log.jsonl");
    const maxBytes = 4096;
    const sinks = await Promise.all(
      [1, 2, 3].map(() => openLogFile(path, { maxBytes })),
    );
    for (let port = 1; port <= 300; port++) {
      sinks[port % 3].write(record({ port, vm: `vm${port % 3}` }));
      if (port % 7 === 0) {
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
    }
    await Promise.all(sinks.map((sink) => sink.close()));
    for (const file of [path, rotatedLogPath(path)]) {
      const text = await Deno.readTextFile(file);
      assert.ok(text.length <= maxBytes + 512, `${file}: ${text.length}`);
      for (const entry of text.trimEnd().split("\n")) {
        assert.ok(parseRecordLine(entry), entry);
      }
    }
    // Both files together hold the last records written, the newest last.
    const ports = (await Array.fromAsync(readLog({ path }))).map((r) =>
      r.port!
    );
    assert.ok(ports.includes(300));
    assert.ok(ports.length >= maxBytes / 300);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("following the log carries on after it is rotated", async () => {
  const dir = await Deno.makeTempDir({ prefix: "qubesify-egress-log-" });
  const controller = new AbortController();
  try {
    const path = join(dir, "log.jsonl");
    const line = JSON.stringify(record({ port: 1 })).length + 1;
    const sink = await openLogFile(path, { maxBytes: 3 * line });
    sink.write(record({ port: 1 }));
    const { seen, following } = followPorts(path, controller, 7, 10);
    await new Promise((resolve) => setTimeout(resolve, 50));
    for (let port = 2; port <= 7; port++) {
      sink.write(record({ port }));
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
    await sink.close();
    await Promise.race([
      following,
      new Promise((resolve) => setTimeout(resolve, 3000)),
    ]);
    controller.abort();
    await following;
    assert.deepEqual(seen, [1, 2, 3, 4, 5, 6, 7]);
  } finally {
    controller.abort();
    await Deno.remove(dir, { recursive: true });
  }
});
