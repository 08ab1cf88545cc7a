/**
 * Test support: the Worker of a fenced command, replaced by a probe that
 * tries what a slipped path or a stray program would do, and prints one
 * JSON object: each attempt and how it went (`ok`, `refused` when the
 * fence said NotCapable, else the error's name).
 *
 * @module
 */

/// <reference no-default-lib="true" />
/// <reference lib="deno.worker" />

import { join } from "node:path";
import { openLibc } from "../lib/ffi/mod.ts";
import { currentStatePaths } from "../lib/state/mod.ts";

/** What the probe tried, by name, and how it went. */
export type ProbeReport = Record<string, string>;

async function attempt(action: () => unknown): Promise<string> {
  try {
    await action();
    return "ok";
  } catch (error) {
    if (error instanceof Deno.errors.NotCapable) return "refused";
    return error instanceof Error ? error.name : String(error);
  }
}

async function writeInside(folder: string): Promise<void> {
  await Deno.mkdir(folder, { recursive: true });
  await Deno.writeTextFile(join(folder, "fence-probe"), "probe\n");
}

self.onmessage = async () => {
  self.onmessage = null;
  const home = Deno.env.get("HOME")!;
  const paths = currentStatePaths();
  const report: ProbeReport = {
    "write ~/.bashrc": await attempt(() =>
      Deno.writeTextFile(join(home, ".bashrc"), "echo pwned\n", {
        append: true,
      })
    ),
    "write ~/.ssh/authorized_keys": await attempt(() =>
      Deno.writeTextFile(join(home, ".ssh", "authorized_keys"), "key\n")
    ),
    "read ~/.ssh/id_ed25519": await attempt(() =>
      Deno.readTextFile(join(home, ".ssh", "id_ed25519"))
    ),
    "write config": await attempt(() => writeInside(paths.config)),
    "write data": await attempt(() => writeInside(paths.data)),
    "write runtime": await attempt(() => writeInside(paths.runtime)),
    "run sh": await attempt(() =>
      new Deno.Command("sh", { args: ["-c", "true"] }).output()
    ),
    "run qemu": await attempt(() =>
      new Deno.Command("qemu-system-x86_64", { args: ["--version"] }).output()
    ),
    "ffi libc": await attempt(() => openLibc()[Symbol.dispose]()),
  };
  console.log(JSON.stringify(report));
  self.postMessage({ code: 0 });
};
