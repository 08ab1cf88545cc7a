import assert from "node:assert/strict";
import {
  readLiveVmRecords,
  removeDeadVmDirs,
  vmRecordPath,
} from "./vm_records.ts";

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

Deno.test("folders of dead VMs are removed, live and young ones stay", async () => {
  const runtime = await Deno.makeTempDir();
  try {
    const write = async (name: string, pid: number, ownerPid: number) => {
      await Deno.mkdir(`${runtime}/${name}`);
      await Deno.writeTextFile(
        vmRecordPath(runtime, name),
        JSON.stringify({
          name,
          app: "a",
          image: "/i",
          pid,
          ownerPid,
          memoryBytes: 1,
          startedAt: "",
        }),
      );
    };
    const gone = 2 ** 22 + 3;
    await write("dead", gone, gone);
    await write("owner-alive", gone, Deno.pid);
    await write("qemu-alive", Deno.pid, gone);
    await Deno.mkdir(`${runtime}/setting-up`);
    // Shared state in a dot folder is never a VM, however old.
    await Deno.mkdir(`${runtime}/.claims`);
    await Deno.utime(`${runtime}/.claims`, 0, 0);
    assert.deepEqual(await removeDeadVmDirs(runtime), ["dead"]);
    const left = [...Deno.readDirSync(runtime)].map((e) => e.name).sort();
    assert.deepEqual(left, [
      ".claims",
      "owner-alive",
      "qemu-alive",
      "setting-up",
    ]);
  } finally {
    await Deno.remove(runtime, { recursive: true });
  }
});
