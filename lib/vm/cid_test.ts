import assert from "node:assert/strict";
import { claimCid, FIRST_CID } from "./cid.ts";

Deno.test("concurrent claims in separate processes never share a CID", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // Each process keeps its claims (stays alive) until its stdin closes,
    // so no claim is taken over as stale while others are still claiming.
    const script = `
      import { claimCid } from "${new URL("./cid.ts", import.meta.url).href}";
      const claims = [];
      for (let i = 0; i < 10; i++) claims.push((await claimCid({ dir: Deno.args[0], pid: Deno.pid })).cid);
      console.log(JSON.stringify(claims));
      for await (const _ of Deno.stdin.readable) { /* wait for EOF */ }
    `;
    const children = Array.from(
      { length: 4 },
      () =>
        new Deno.Command(Deno.execPath(), {
          args: ["eval", "--quiet", script, dir],
          stdin: "piped",
          stdout: "piped",
        }).spawn(),
    );
    const cids: number[] = [];
    const readers = children.map((child) =>
      child.stdout.pipeThrough(new TextDecoderStream()).getReader()
    );
    for (const reader of readers) {
      let line = "";
      while (!line.includes("\n")) {
        const { value, done } = await reader.read();
        if (done) break;
        line += value;
      }
      cids.push(...JSON.parse(line) as number[]);
    }
    for (const [i, child] of children.entries()) {
      await child.stdin.close();
      await readers[i].cancel();
      await child.status;
    }
    assert.equal(cids.length, 40);
    assert.equal(new Set(cids).size, 40, "every CID claimed once");
    assert.deepEqual(
      [...cids].sort((a, b) => a - b),
      Array.from({ length: 40 }, (_, i) => FIRST_CID + i),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("released and stale CIDs are reused; skipped ones are not", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const first = await claimCid({ dir, pid: Deno.pid });
    assert.equal(first.cid, FIRST_CID);
    await first.release();
    assert.equal((await claimCid({ dir, pid: Deno.pid })).cid, FIRST_CID);
    // A lock left by a process that no longer exists.
    await Deno.writeTextFile(`${dir}/${FIRST_CID + 1}`, "4194305\n");
    assert.equal((await claimCid({ dir, pid: Deno.pid })).cid, FIRST_CID + 1);
    const skipped = await claimCid({
      dir,
      pid: Deno.pid,
      skip: new Set([FIRST_CID + 2]),
    });
    assert.equal(skipped.cid, FIRST_CID + 3);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
