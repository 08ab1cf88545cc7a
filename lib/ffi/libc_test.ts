import assert from "node:assert/strict";
import { join } from "node:path";
import {
  LibcError,
  MAP_SHARED,
  O_CLOEXEC,
  O_CREAT,
  O_EXCL,
  O_RDONLY,
  O_RDWR,
  openLibc,
  PROT_READ,
  PROT_WRITE,
} from "./libc.ts";

Deno.test("mmap: bytes written through a shared mapping reach the file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "qubesify-libc-test-" });
  try {
    const path = join(dir, "mapped");
    using libc = openLibc();
    const fd = libc.open(path, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0o600);
    try {
      libc.ftruncate(fd, 8192);
      const address = libc.mmap(
        8192,
        PROT_READ | PROT_WRITE,
        MAP_SHARED,
        fd,
        4096,
      );
      try {
        const view = new Uint8Array(4096);
        libc.readMemory(address, 0, view);
        assert.ok(view.every((byte) => byte === 0), "a new file reads zeros");
        libc.writeMemory(address, 10, new TextEncoder().encode("hello"));
        const back = new Uint8Array(5);
        libc.readMemory(address, 10, back);
        assert.equal(new TextDecoder().decode(back), "hello");
      } finally {
        libc.munmap(address, 4096);
      }
    } finally {
      libc.close(fd);
    }
    const bytes = await Deno.readFile(path);
    assert.equal(bytes.length, 8192);
    assert.equal(
      new TextDecoder().decode(bytes.subarray(4096 + 10, 4096 + 15)),
      "hello",
    );
    assert.ok(bytes.subarray(0, 4096).every((byte) => byte === 0));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("errno: a failing call throws an error naming it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "qubesify-libc-test-" });
  try {
    using libc = openLibc();
    const missing = join(dir, "missing");
    assert.throws(
      () => libc.open(missing, O_RDONLY),
      (error) =>
        error instanceof LibcError && error.code === "ENOENT" &&
        error.errno === 2 && error.call === "open" &&
        error.message === `open ${missing} failed: ENOENT`,
    );
    const path = join(dir, "exists");
    await Deno.writeTextFile(path, "");
    assert.throws(
      () => libc.open(path, O_CREAT | O_EXCL | O_RDWR),
      (error) => error instanceof LibcError && error.code === "EEXIST",
    );
    assert.throws(
      () => libc.close(-1),
      (error) => error instanceof LibcError && error.code === "EBADF",
    );
    // A mapping offset must be page aligned.
    const fd = libc.open(path, O_RDWR);
    try {
      assert.throws(
        () => libc.mmap(4096, PROT_READ, MAP_SHARED, fd, 1),
        (error) => error instanceof LibcError && error.code === "EINVAL",
      );
    } finally {
      libc.close(fd);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("rename and unlink", async () => {
  const dir = await Deno.makeTempDir({ prefix: "qubesify-libc-test-" });
  try {
    using libc = openLibc();
    const from = join(dir, "from");
    const to = join(dir, "to");
    await Deno.writeTextFile(from, "x");
    libc.rename(from, to);
    assert.equal(await Deno.readTextFile(to), "x");
    libc.unlink(to);
    assert.deepEqual([...Deno.readDirSync(dir)], []);
    assert.throws(
      () => libc.unlink(to),
      (error) =>
        error instanceof LibcError && error.code === "ENOENT" &&
        error.message === `unlink ${to} failed: ENOENT`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
