import assert from "node:assert/strict";
import { type ImageInputs, inputHash } from "./inputs.ts";

const BASE: ImageInputs = {
  suite: "trixie",
  mirror: "http://deb.debian.org/debian",
  packages: ["foot", "git"],
  guestPackages: ["socat"],
  files: [{ path: "/etc/hostname", content: "qubesify\n", mode: 0o644 }],
  mode: "root",
};

Deno.test("the hash ignores package order and duplicates", () => {
  assert.equal(
    inputHash(BASE),
    inputHash({ ...BASE, packages: ["git", "foot", "git"] }),
  );
  assert.match(inputHash(BASE), /^[0-9a-f]{64}$/);
});

Deno.test("every input changes the hash", () => {
  const variants: Partial<ImageInputs>[] = [
    { suite: "bookworm" },
    { mirror: "http://mirror.example/debian" },
    { packages: ["foot"] },
    { guestPackages: ["socat", "waypipe"] },
    { files: [{ path: "/etc/hostname", content: "other\n", mode: 0o644 }] },
    { files: [{ path: "/etc/hostname", content: "qubesify\n", mode: 0o600 }] },
    { mode: "unshare" },
  ];
  const hashes = new Set(variants.map((v) => inputHash({ ...BASE, ...v })));
  hashes.add(inputHash(BASE));
  assert.equal(hashes.size, variants.length + 1);
});
