import assert from "node:assert/strict";
import { formatSize, isSize, parseSize } from "./size.ts";

Deno.test("parseSize reads binary units", () => {
  assert.equal(parseSize("512M"), 512 * 2 ** 20);
  assert.equal(parseSize("2G"), 2 * 2 ** 30);
  assert.equal(parseSize("2GiB"), 2 * 2 ** 30);
  assert.equal(parseSize("64k"), 64 * 1024);
  assert.equal(parseSize("1T"), 2 ** 40);
});

Deno.test("parseSize rejects bare numbers, fractions, zero and junk", () => {
  for (const bad of ["512", "1.5G", "0G", "G", "2X", "-1G", "2 G", ""]) {
    assert.equal(isSize(bad), false, bad);
    assert.throws(() => parseSize(bad), /expected a size like 2G/, bad);
  }
});

Deno.test("parseSize rejects sizes beyond safe integers", () => {
  assert.throws(() => parseSize("99999999T"), /too large/);
});

Deno.test("formatSize picks the largest exact unit", () => {
  assert.equal(formatSize(2 * 2 ** 30), "2G");
  assert.equal(formatSize(1536 * 2 ** 20), "1536M");
  assert.equal(formatSize(1000), "1000B");
});
