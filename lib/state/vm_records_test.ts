import assert from "node:assert/strict";
import {
  liveVmRecordReader,
  parseVmRecord,
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

Deno.test("record reader: unchanged files are not read again, changed ones are, liveness is asked every time", async () => {
  const runtime = await Deno.makeTempDir();
  try {
    const path = vmRecordPath(runtime, "work");
    await Deno.mkdir(`${runtime}/work`);
    const text = JSON.stringify({ name: "work", image: "/i", pid: 42 });
    await Deno.writeTextFile(path, text);
    const asked: number[] = [];
    let alive = true;
    const read = liveVmRecordReader(runtime, {
      isAlive: (pid) => {
        asked.push(pid);
        return alive;
      },
      maxRecordAgeMs: 60_000,
    });
    assert.deepEqual((await read()).map((r) => r.name), ["work"]);
    // Same inode, size and time, other bytes: only a re-read would see it.
    const { mtime } = await Deno.stat(path);
    await Deno.writeTextFile(path, text.replace("work", "xxxx"));
    await Deno.utime(path, mtime!, mtime!);
    assert.deepEqual((await read()).map((r) => r.name), ["work"], "re-read");
    alive = false;
    assert.deepEqual(await read(), [], "a dead VM's cached record counted");
    assert.deepEqual(asked, [42, 42, 42]);
    alive = true;
    await Deno.writeTextFile(path, text.replace("42", "420"));
    assert.deepEqual((await read()).map((r) => r.pid), [420], "not re-read");
    await Deno.remove(`${runtime}/work`, { recursive: true });
    assert.deepEqual(await read(), []);
    assert.deepEqual(await liveVmRecordReader(`${runtime}/missing`)(), []);
  } finally {
    await Deno.remove(runtime, { recursive: true });
  }
});

Deno.test("record reader: a record is read again after the longest age", async () => {
  const runtime = await Deno.makeTempDir();
  try {
    const path = vmRecordPath(runtime, "work");
    await Deno.mkdir(`${runtime}/work`);
    const text = JSON.stringify({ name: "work", image: "/i", pid: 42 });
    await Deno.writeTextFile(path, text);
    const read = liveVmRecordReader(runtime, {
      isAlive: () => true,
      maxRecordAgeMs: 0,
    });
    assert.deepEqual((await read()).map((r) => r.name), ["work"]);
    const { mtime } = await Deno.stat(path);
    await Deno.writeTextFile(path, text.replace("work", "xxxx"));
    await Deno.utime(path, mtime!, mtime!);
    await new Promise((resolve) => setTimeout(resolve, 5));
    assert.deepEqual((await read()).map((r) => r.name), ["xxxx"]);
  } finally {
    await Deno.remove(runtime, { recursive: true });
  }
});

Deno.test("records that are no records are skipped, not fatal", () => {
  for (const text of ["null", "[]", '"x"', "{}", '{"pid":"1","image":"i"}']) {
    assert.equal(parseVmRecord(text), undefined, text);
  }
  assert.equal(parseVmRecord('{"pid":1,"image":"i"}')?.pid, 1);
});
