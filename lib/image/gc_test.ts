import assert from "node:assert/strict";
import { type GcCandidate, selectForRemoval } from "./gc.ts";

function image(
  template: string,
  version: string,
  current = false,
): GcCandidate {
  return { template, version, path: `/i/${template}/${version}.img`, current };
}

Deno.test("keeps the N newest per template", () => {
  const images = [
    image("a", "20260101T000000Z-1"),
    image("a", "20260301T000000Z-3", true),
    image("a", "20260201T000000Z-2"),
    image("b", "20260101T000000Z-9", true),
  ];
  const doomed = selectForRemoval({ images, keep: 2, inUse: new Set() });
  assert.deepEqual(doomed.map((i) => i.version), ["20260101T000000Z-1"]);
});

Deno.test("never the current image nor one in use", () => {
  const images = [
    image("a", "20260301T000000Z-3"),
    image("a", "20260201T000000Z-2", true),
    image("a", "20260101T000000Z-1"),
    image("a", "20250101T000000Z-0"),
  ];
  const doomed = selectForRemoval({
    images,
    keep: 0,
    inUse: new Set(["/i/a/20260101T000000Z-1.img"]),
  });
  assert.deepEqual(doomed.map((i) => i.version), [
    "20260301T000000Z-3",
    "20250101T000000Z-0",
  ]);
});
