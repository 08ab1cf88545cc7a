import assert from "node:assert/strict";
import { sha256File } from "../fs/mod.ts";
import { createHash } from "node:crypto";
import { join } from "node:path";
import {
  downloadVerified,
  HashMismatchError,
  verifySha256,
} from "./download.ts";
import { KernelBuildError } from "./errors.ts";

const BODY = new TextEncoder().encode("not really a kernel\n".repeat(1000));
const BODY_SHA256 = createHash("sha256").update(BODY).digest("hex");

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Serves BODY at /ok and a 404 elsewhere on a random local port. */
async function withServer(fn: (base: string) => Promise<void>): Promise<void> {
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen: () => {} },
    (request) =>
      new URL(request.url).pathname === "/ok"
        ? new Response(BODY)
        : new Response("missing", { status: 404 }),
  );
  try {
    await fn(`http://127.0.0.1:${server.addr.port}`);
  } finally {
    await server.shutdown();
  }
}

Deno.test("sha256File and verifySha256 accept a matching file", async () => {
  await withTempDir(async (dir) => {
    const file = join(dir, "linux.tar.xz");
    await Deno.writeFile(file, BODY);
    assert.equal(await sha256File(file), BODY_SHA256);
    await verifySha256(file, BODY_SHA256.toUpperCase());
  });
});

Deno.test("verifySha256 rejects a file whose hash does not match", async () => {
  await withTempDir(async (dir) => {
    const file = join(dir, "linux.tar.xz");
    await Deno.writeFile(file, BODY.subarray(0, 100));
    await assert.rejects(
      verifySha256(file, BODY_SHA256),
      (error: unknown) =>
        error instanceof HashMismatchError &&
        error.message.includes(`expected ${BODY_SHA256}, got `),
    );
  });
});

Deno.test("downloadVerified stores the body only when its hash matches", async () => {
  await withServer(async (base) => {
    await withTempDir(async (dir) => {
      const dest = join(dir, "linux.tar.xz");
      await downloadVerified({ url: `${base}/ok`, sha256: BODY_SHA256, dest });
      assert.deepEqual(await Deno.readFile(dest), BODY);
      assert.deepEqual(
        [...Deno.readDirSync(dir)].map((e) => e.name),
        ["linux.tar.xz"],
      );
    });
  });
});

Deno.test("downloadVerified leaves nothing behind on a hash mismatch", async () => {
  await withServer(async (base) => {
    await withTempDir(async (dir) => {
      const dest = join(dir, "linux.tar.xz");
      await assert.rejects(
        downloadVerified({ url: `${base}/ok`, sha256: "0".repeat(64), dest }),
        HashMismatchError,
      );
      assert.deepEqual([...Deno.readDirSync(dir)], []);
    });
  });
});

Deno.test("downloadVerified reports HTTP errors and unreachable hosts", async () => {
  await withServer(async (base) => {
    await withTempDir(async (dir) => {
      const dest = join(dir, "linux.tar.xz");
      await assert.rejects(
        downloadVerified({ url: `${base}/gone`, sha256: BODY_SHA256, dest }),
        (error: unknown) =>
          error instanceof KernelBuildError &&
          error.message.includes("HTTP 404"),
      );
      await assert.rejects(
        downloadVerified({
          url: "http://127.0.0.1:9/linux.tar.xz",
          sha256: BODY_SHA256,
          dest,
        }),
        (error: unknown) =>
          error instanceof KernelBuildError &&
          error.details.some((line) => line.includes("--source")),
      );
      assert.deepEqual([...Deno.readDirSync(dir)], []);
    });
  });
});
