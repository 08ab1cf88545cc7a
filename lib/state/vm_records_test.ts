import assert from "node:assert/strict";
import { readLiveVmRecords, vmRecordPath } from "./vm_records.ts";

Deno.test("only records of live processes count", async () => {
  const runtime = await Deno.makeTempDir();
  try {
    const write = async (name: string, pid: number) => {
      await Deno.mkdir(`${runtime}/${name}`);
      await Deno.writeTextFile(
        vmRecordPath(runtime, name),
        JSON.stringify({
          name,
          app: "smoke",
          image: `/i/${name}.img`,
          pid,
          startedAt: "",
        }),
      );
    };
    await write("alive", Deno.pid);
    await write("dead", 2 ** 22 + 1);
    await Deno.mkdir(`${runtime}/garbage`);
    await Deno.writeTextFile(vmRecordPath(runtime, "garbage"), "{not json");
    const records = await readLiveVmRecords(runtime);
    assert.deepEqual(records.map((r) => r.name), ["alive"]);
    assert.deepEqual(await readLiveVmRecords(`${runtime}/missing`), []);
  } finally {
    await Deno.remove(runtime, { recursive: true });
  }
});
