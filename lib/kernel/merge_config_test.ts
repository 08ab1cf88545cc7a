import assert from "node:assert/strict";
import { configValues, parseConfig } from "./config_lines.ts";
import { mergeConfig } from "./merge_config.ts";

Deno.test("mergeConfig replaces overridden options and keeps the rest", () => {
  const base = [
    "CONFIG_64BIT=y",
    "# CONFIG_SMP is not set",
    "CONFIG_MODULES=y",
    "CONFIG_KERNEL_XZ=y",
    "",
  ].join("\n");
  const fragment = parseConfig("CONFIG_SMP=y\n# CONFIG_MODULES is not set\n");
  const merged = mergeConfig(base, fragment);
  const entries = parseConfig(merged);
  // Exactly one assignment per option, so olddefconfig cannot pick the stale one.
  assert.deepEqual(
    entries.map((entry) => entry.name).sort(),
    ["CONFIG_64BIT", "CONFIG_KERNEL_XZ", "CONFIG_MODULES", "CONFIG_SMP"],
  );
  assert.deepEqual(Object.fromEntries(configValues(entries)), {
    CONFIG_64BIT: "y",
    CONFIG_KERNEL_XZ: "y",
    CONFIG_MODULES: "n",
    CONFIG_SMP: "y",
  });
  assert.ok(merged.endsWith("\n"));
});

Deno.test("mergeConfig does not touch options whose names only share a prefix", () => {
  const merged = mergeConfig(
    "CONFIG_VIRTIO_MMIO=y\n# CONFIG_VIRTIO is not set\n",
    parseConfig("CONFIG_VIRTIO=y\n"),
  );
  assert.deepEqual(Object.fromEntries(configValues(parseConfig(merged))), {
    CONFIG_VIRTIO_MMIO: "y",
    CONFIG_VIRTIO: "y",
  });
});
