import assert from "node:assert/strict";
import { guestFiles, packGuestFiles } from "./guest_files.ts";
import { readGuestInit } from "../guest/mod.ts";
import type { TemplateRecipe } from "../recipe/mod.ts";

const TEMPLATE: TemplateRecipe = {
  kind: "template",
  name: "t",
  suite: "trixie",
  mirror: "http://deb.debian.org/debian",
  packages: [],
  files: [{ path: "/etc/motd", content: "hi\n", mode: "0600" }],
  origin: { file: "t.yaml", line: 1, col: 1 },
};

Deno.test("guest files: init, our network identity, then the template's", async () => {
  const files = guestFiles(TEMPLATE, await readGuestInit());
  assert.deepEqual(files.map((f) => [f.path, f.mode.toString(8)]), [
    ["/usr/lib/qubesify/init", "755"],
    ["/etc/resolv.conf", "644"],
    ["/etc/hostname", "644"],
    ["/etc/hosts", "644"],
    ["/etc/motd", "600"],
  ]);
  assert.match(files[0].content, /^#!\/bin\/sh\n/);
  assert.doesNotMatch(
    files[1].content,
    /search|domain/,
    "nothing from the build host",
  );
});

Deno.test("the guest init is valid POSIX sh", async () => {
  const init = await readGuestInit();
  const check = await new Deno.Command("sh", { args: ["-n", "-c", init] })
    .output();
  assert.equal(check.code, 0, new TextDecoder().decode(check.stderr));
});

Deno.test("packed guest files are root-owned with their modes, no folders", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await packGuestFiles({
      files: guestFiles(TEMPLATE, "#!/bin/sh\n"),
      stageDir: `${dir}/stage`,
      tarball: `${dir}/guest.tar`,
    });
    const listing = await new Deno.Command("tar", {
      args: [
        "--list",
        "--verbose",
        "--numeric-owner",
        "--file",
        `${dir}/guest.tar`,
      ],
    }).output();
    const lines = new TextDecoder().decode(listing.stdout).trim().split("\n");
    const entries = lines.map((line) => {
      const [mode, owner, , , , path] = line.split(/\s+/);
      return `${mode} ${owner} ${path}`;
    });
    assert.deepEqual(entries, [
      "-rwxr-xr-x 0/0 usr/lib/qubesify/init",
      "-rw-r--r-- 0/0 etc/resolv.conf",
      "-rw-r--r-- 0/0 etc/hostname",
      "-rw-r--r-- 0/0 etc/hosts",
      "-rw------- 0/0 etc/motd",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
