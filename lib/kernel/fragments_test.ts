import assert from "node:assert/strict";
import { join } from "node:path";
import {
  combineFragments,
  DEFAULT_KERNEL_DIR,
  FragmentConflictError,
  readFragments,
} from "./fragments.ts";

Deno.test("combineFragments merges files and drops repeated identical options", () => {
  const fragments = combineFragments([
    { name: "a.config", text: "CONFIG_A=y\n# CONFIG_B is not set\n" },
    { name: "b.config", text: "CONFIG_A=y\nCONFIG_C=y\n" },
  ]);
  assert.deepEqual(fragments.files, ["a.config", "b.config"]);
  assert.deepEqual(
    fragments.entries.map((entry) => `${entry.name}=${entry.value}`),
    ["CONFIG_A=y", "CONFIG_B=n", "CONFIG_C=y"],
  );
});

Deno.test("combineFragments rejects one option asked for with two values", () => {
  assert.throws(
    () =>
      combineFragments([
        { name: "a.config", text: "CONFIG_A=y\n" },
        { name: "b.config", text: "\n# CONFIG_A is not set\n" },
      ]),
    (error: unknown) =>
      error instanceof FragmentConflictError &&
      error.message ===
        "CONFIG_A is set differently in a.config:1 and b.config:2",
  );
});

Deno.test("the fragment hash ignores comments and order but not values", () => {
  const hash = (text: string) =>
    combineFragments([{ name: "x.config", text }]).sha256;
  const base = hash("CONFIG_A=y\nCONFIG_B=y\n");
  assert.equal(hash("# why\nCONFIG_B=y\n\nCONFIG_A=y\n"), base);
  assert.notEqual(hash("CONFIG_A=y\n# CONFIG_B is not set\n"), base);
  assert.match(base, /^[0-9a-f]{64}$/);
});

Deno.test("readFragments reads *.config files in name order", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(join(dir, "20-b.config"), "CONFIG_B=y\n");
    await Deno.writeTextFile(join(dir, "10-a.config"), "CONFIG_A=y\n");
    await Deno.writeTextFile(join(dir, "version.json"), "{}");
    const fragments = await readFragments(dir);
    assert.deepEqual(fragments.files, ["10-a.config", "20-b.config"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the shipped fragment parses and asks for the micro VM essentials", async () => {
  const fragments = await readFragments(DEFAULT_KERNEL_DIR);
  const values = new Map(fragments.entries.map((e) => [e.name, e.value]));
  for (
    const name of [
      "CONFIG_64BIT",
      "CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES",
      "CONFIG_VIRTIO_BLK",
      "CONFIG_VSOCKETS_LOOPBACK",
      "CONFIG_SERIAL_8250_CONSOLE",
      "CONFIG_EXT4_FS",
      "CONFIG_OVERLAY_FS",
      "CONFIG_DEVTMPFS_MOUNT",
      "CONFIG_FW_CFG_SYSFS_CMDLINE",
      "CONFIG_SECCOMP_FILTER",
      "CONFIG_USER_NS",
      "CONFIG_KVM_GUEST",
      "CONFIG_ACPI",
    ]
  ) {
    assert.equal(values.get(name), "y", name);
  }
  assert.equal(values.get("CONFIG_MODULES"), "n");
});
