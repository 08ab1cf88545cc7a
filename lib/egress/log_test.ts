import assert from "node:assert/strict";
import { join } from "node:path";
import {
  type EgressRecord,
  formatRecord,
  parseRecordLine,
} from "./log_record.ts";
import { readLog } from "./log_reader.ts";
import { openLogFile } from "./log_writer.ts";

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

Deno.test("following the log yields records written later", async () => {
  const dir = await Deno.makeTempDir({ prefix: "qubesify-egress-log-" });
  const controller = new AbortController();
  try {
    const path = join(dir, "log.jsonl");
    const sink = await openLogFile(path);
    sink.write(record({ port: 1 }));
    const seen: number[] = [];
    const following = (async () => {
      for await (
        const entry of readLog({
          path,
          follow: true,
          signal: controller.signal,
          intervalMs: 20,
        })
      ) {
        seen.push(entry.port!);
        if (seen.length === 2) controller.abort();
      }
    })();
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
