import assert from "node:assert/strict";
import { compareVersions, findVersion, formatVersion } from "./version.ts";

Deno.test("findVersion reads the version programs print", () => {
  assert.deepEqual(
    findVersion(
      "QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)\n",
      "version",
    ),
    [7, 2, 22],
  );
  assert.deepEqual(
    findVersion("mke2fs 1.47.0 (5-Feb-2023)\n\tUsing EXT2FS", "mke2fs"),
    [1, 47, 0],
  );
  assert.deepEqual(findVersion("waypipe 0.8.4\nfeatures: lz4", "waypipe"), [
    0,
    8,
    4,
  ]);
  assert.deepEqual(findVersion("mmdebstrap 1.3.5", "mmdebstrap"), [1, 3, 5]);
  assert.equal(findVersion("no numbers here", "version"), undefined);
});

Deno.test("compareVersions orders numerically, missing parts are zero", () => {
  assert.equal(compareVersions([1, 47, 1], [1, 47, 0]) > 0, true);
  assert.equal(compareVersions([7, 10], [7, 2, 22]) > 0, true);
  assert.equal(compareVersions([7, 2], [7, 2, 0]), 0);
  assert.equal(compareVersions([0, 8, 4], [0, 9]) < 0, true);
  assert.equal(formatVersion([7, 2, 22]), "7.2.22");
});
