import assert from "node:assert/strict";
import { join } from "node:path";
import {
  LibcError,
  MAP_SHARED,
  MFD_ALLOW_SEALING,
  MFD_CLOEXEC,
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

Deno.test("memfd_create: an anonymous file, sized, mapped and read back", async () => {
  using libc = openLibc();
  const fd = libc.memfdCreate("qubesify-test", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  try {
    assert.match(
      await Deno.readLink(`/proc/self/fd/${fd}`),
      /^\/memfd:qubesify-test /,
    );
    // flags is octal; O_CLOEXEC shows as 02000000.
    const info = await Deno.readTextFile(`/proc/self/fdinfo/${fd}`);
    const flags = parseInt(/^flags:\s+([0-7]+)$/m.exec(info)?.[1] ?? "0", 8);
    assert.equal(flags & O_CLOEXEC, O_CLOEXEC);
    libc.ftruncate(fd, 4096);
    const address = libc.mmap(4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    try {
      libc.writeMemory(address, 4090, new Uint8Array([1, 2, 3, 4, 5, 6]));
    } finally {
      libc.munmap(address, 4096);
    }
    const bytes = await Deno.readFile(`/proc/self/fd/${fd}`);
    assert.equal(bytes.length, 4096);
    assert.deepEqual([...bytes.subarray(4088)], [0, 0, 1, 2, 3, 4, 5, 6]);
  } finally {
    libc.close(fd);
  }
  assert.throws(
    () => libc.memfdCreate("x".repeat(250), MFD_CLOEXEC),
    (error) =>
      error instanceof LibcError && error.code === "EINVAL" &&
      error.call === "memfd_create",
  );
});

Deno.test("kill with signal 0: a live process, a gone one, another user's", async () => {
  using libc = openLibc();
  libc.kill(Deno.pid, 0);
  const child = new Deno.Command("true").spawn();
  await child.status;
  assert.throws(
    () => libc.kill(child.pid, 0),
    (error) => error instanceof LibcError && error.code === "ESRCH",
  );
  if (Deno.uid() !== 0) {
    // init exists but is not ours: alive, though we may not signal it.
    assert.throws(
      () => libc.kill(1, 0),
      (error) => error instanceof LibcError && error.code === "EPERM",
    );
  }
  for (const pid of [0, -1, 2 ** 31, 1.5]) {
    assert.throws(() => libc.kill(pid, 0), RangeError, `pid ${pid}`);
  }
});
