import assert from "node:assert/strict";
import {
  ConfigSyntaxError,
  configValues,
  formatEntry,
  parseConfig,
} from "./config_lines.ts";

Deno.test("parseConfig reads assignments, 'not set' markers and skips comments", () => {
  const entries = parseConfig(
    [
      "# Automatically generated file; DO NOT EDIT.",
      "",
      "CONFIG_64BIT=y",
      "# CONFIG_MODULES is not set",
      'CONFIG_CMDLINE="console=ttyS0 quiet"',
      "CONFIG_NR_CPUS=64",
      "  CONFIG_TTY=y  ",
    ].join("\n"),
  );
  assert.deepEqual(entries, [
    { name: "CONFIG_64BIT", value: "y", line: 3 },
    { name: "CONFIG_MODULES", value: "n", line: 4 },
    { name: "CONFIG_CMDLINE", value: '"console=ttyS0 quiet"', line: 5 },
    { name: "CONFIG_NR_CPUS", value: "64", line: 6 },
    { name: "CONFIG_TTY", value: "y", line: 7 },
  ]);
});

Deno.test("parseConfig points at the line that is not config syntax", () => {
  assert.throws(
    () => parseConfig("CONFIG_A=y\nVIRTIO=y\n", "kernel/x.config"),
    (error: unknown) =>
      error instanceof ConfigSyntaxError && error.line === 2 &&
      error.message.startsWith("kernel/x.config:2:"),
  );
  assert.throws(() => parseConfig("CONFIG_A=\n"), ConfigSyntaxError);
});

Deno.test("configValues keeps the last assignment of an option", () => {
  const values = configValues(
    parseConfig("CONFIG_A=y\n# CONFIG_A is not set\n"),
  );
  assert.equal(values.get("CONFIG_A"), "n");
});

Deno.test("formatEntry writes n as a 'not set' comment", () => {
  assert.equal(
    formatEntry({ name: "CONFIG_A", value: "n" }),
    "# CONFIG_A is not set",
  );
  assert.equal(formatEntry({ name: "CONFIG_A", value: "y" }), "CONFIG_A=y");
});
