import assert from "node:assert/strict";
import { openLibc } from "../ffi/mod.ts";
import {
  createShmFile,
  createSolidBuffer,
  MAX_SHM_SIZE,
} from "./shm_buffer.ts";

/** Every pixel word of a buffer read back through /proc. */
async function wordsOf(fd: number): Promise<Set<number>> {
  const bytes = await Deno.readFile(`/proc/self/fd/${fd}`);
  const view = new DataView(bytes.buffer);
  const words = new Set<number>();
  for (let offset = 0; offset < bytes.length; offset += 4) {
    words.add(view.getUint32(offset, true));
  }
  return words;
}

function openFds(): number {
  return [...Deno.readDirSync("/proc/self/fd")].length;
}

Deno.test("createSolidBuffer: one colour, ARGB8888 little-endian", async () => {
  using libc = openLibc();
  const buffer = createSolidBuffer({
    libc,
    width: 5,
    height: 3,
    colour: "red",
  });
  try {
    assert.deepEqual(
      { ...buffer, fd: undefined },
      {
        fd: undefined,
        size: 60,
        width: 5,
        height: 3,
        stride: 20,
        format: "argb8888",
      },
    );
    assert.match(
      await Deno.readLink(`/proc/self/fd/${buffer.fd}`),
      /^\/memfd:qubesify-display /,
    );
    const bytes = await Deno.readFile(`/proc/self/fd/${buffer.fd}`);
    assert.equal(bytes.length, 60);
    assert.deepEqual([...bytes.subarray(0, 4)], [0x00, 0x00, 0xcc, 0xff]);
    assert.deepEqual(await wordsOf(buffer.fd), new Set([0xffcc0000]));
  } finally {
    libc.close(buffer.fd);
  }
});

Deno.test("createSolidBuffer: many chunks, channels, its own libc", async () => {
  // 120,000 bytes: beyond one 64 KiB copy and not a multiple of it.
  const buffer = createSolidBuffer({
    width: 300,
    height: 100,
    colour: { r: 1, g: 2, b: 3 },
  });
  try {
    assert.equal(buffer.size, 120_000);
    assert.equal(
      (await Deno.stat(`/proc/self/fd/${buffer.fd}`)).size,
      120_000,
    );
    assert.deepEqual(await wordsOf(buffer.fd), new Set([0xff010203]));
  } finally {
    using libc = openLibc();
    libc.close(buffer.fd);
  }
});

Deno.test("createSolidBuffer refuses bad sizes and leaks no fd", () => {
  const before = openFds();
  // The last one is 8 GiB, beyond what wl_shm can take.
  const sizes = [[0, 1], [1, 0], [1.5, 2], [-1, 4], [65536, 32768]];
  for (const [width, height] of sizes) {
    assert.throws(
      () => createSolidBuffer({ width, height, colour: "blue" }),
      RangeError,
      `${width}x${height}`,
    );
  }
  assert.throws(
    () => createSolidBuffer({ width: 1, height: 1, colour: "teal" }),
    RangeError,
  );
  assert.equal(openFds(), before);
});

Deno.test("createShmFile: writes in bounds; the fd outlives the mapping", async () => {
  using libc = openLibc();
  const file = createShmFile({ libc, size: 16 });
  try {
    {
      using mapping = file;
      mapping.write(12, new Uint8Array([1, 2, 3, 4]));
      mapping.write(0, new Uint8Array([9]));
      for (const offset of [13, -1, 0.5, 16]) {
        assert.throws(
          () => mapping.write(offset, new Uint8Array(4)),
          RangeError,
          String(offset),
        );
      }
    }
    assert.throws(() => file.write(0, new Uint8Array(1)), /unmapped/);
    file[Symbol.dispose](); // a second dispose does nothing
    const bytes = await Deno.readFile(`/proc/self/fd/${file.fd}`);
    assert.deepEqual(
      [...bytes],
      [9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4],
    );
  } finally {
    libc.close(file.fd);
  }
  for (const size of [0, 1.5, MAX_SHM_SIZE + 1]) {
    assert.throws(() => createShmFile({ libc, size }), RangeError);
  }
});
