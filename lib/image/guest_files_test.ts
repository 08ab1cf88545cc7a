import assert from "node:assert/strict";
import { GuestFileError, guestFiles, packGuestFiles } from "./guest_files.ts";
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

/** Runs `body` with a staging folder and a folder outside it. */
async function withStage(
  body: (
    paths: { stage: string; outside: string; tarball: string },
  ) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "qubesify-stage-test-" });
  try {
    const stage = `${dir}/build/stage`;
    const outside = `${dir}/outside`;
    await Deno.mkdir(stage, { recursive: true });
    await Deno.mkdir(outside);
    await body({ stage, outside, tarball: `${dir}/guest.tar` });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function entries(path: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(path)) names.push(entry.name);
  return names.sort();
}

Deno.test("the writer refuses paths that leave the staging folder, schema or not", async () => {
  await withStage(async ({ stage, outside, tarball }) => {
    for (
      const path of [
        "/../../outside/x",
        "/etc/../../../outside/x",
        "/./x",
        "//x",
        "relative/x",
        "/tmp/x",
      ]
    ) {
      await assert.rejects(
        packGuestFiles({
          files: [{ path, content: "pwned\n", mode: 0o644 }],
          stageDir: stage,
          tarball,
        }),
        GuestFileError,
        path,
      );
    }
    assert.deepEqual(await entries(outside), []);
    assert.deepEqual(await entries(`${stage}/..`), ["stage"]);
  });
});

Deno.test("the writer refuses setuid, setgid and sticky bits", async () => {
  await withStage(async ({ stage, tarball }) => {
    for (const mode of [0o4755, 0o2755, 0o1777, 0o10644]) {
      await assert.rejects(
        packGuestFiles({
          files: [{ path: "/usr/bin/x", content: "x", mode }],
          stageDir: stage,
          tarball,
        }),
        /no setuid, setgid or sticky bits/,
      );
    }
  });
});

Deno.test("the writer never follows a link in the staging folder", async () => {
  await withStage(async ({ stage, outside, tarball }) => {
    // As if something had put links there: a folder and a file.
    await Deno.mkdir(`${stage}/etc`);
    await Deno.symlink(outside, `${stage}/etc/x`);
    await Deno.writeTextFile(`${outside}/motd`, "theirs\n");
    await Deno.symlink(`${outside}/motd`, `${stage}/etc/motd`);
    await assert.rejects(
      packGuestFiles({
        files: [{ path: "/etc/x/evil", content: "pwned\n", mode: 0o644 }],
        stageDir: stage,
        tarball,
      }),
      /etc\/x is not a folder/,
    );
    await assert.rejects(
      packGuestFiles({
        files: [{ path: "/etc/motd", content: "pwned\n", mode: 0o644 }],
        stageDir: stage,
        tarball,
      }),
      /etc\/motd exists and is not a plain file/,
    );
    assert.deepEqual(await entries(outside), ["motd"]);
    assert.equal(await Deno.readTextFile(`${outside}/motd`), "theirs\n");
  });
});

Deno.test("a later file of the same path replaces the earlier one", async () => {
  await withStage(async ({ stage, tarball }) => {
    await packGuestFiles({
      files: [
        { path: "/etc/hostname", content: "qubesify\n", mode: 0o644 },
        { path: "/etc/hostname", content: "mine\n", mode: 0o600 },
      ],
      stageDir: stage,
      tarball,
    });
    const listing = await new Deno.Command("tar", {
      args: ["--list", "--file", tarball],
    }).output();
    assert.equal(new TextDecoder().decode(listing.stdout), "etc/hostname\n");
    assert.equal(await Deno.readTextFile(`${stage}/etc/hostname`), "mine\n");
    assert.equal(
      (await Deno.stat(`${stage}/etc/hostname`)).mode! & 0o7777,
      0o600,
    );
  });
});
