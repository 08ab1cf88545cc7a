import assert from "node:assert/strict";
import { configValues, parseConfig } from "./config_lines.ts";
import { formatUnmet, unmetOptions } from "./config_check.ts";

const FINAL = configValues(parseConfig([
  "CONFIG_64BIT=y",
  "# CONFIG_SMP is not set",
  'CONFIG_CMDLINE="quiet"',
].join("\n")));

Deno.test("unmetOptions is empty when every required option stuck", () => {
  const required = parseConfig(
    'CONFIG_64BIT=y\n# CONFIG_SMP is not set\nCONFIG_CMDLINE="quiet"\n',
  );
  assert.deepEqual(unmetOptions(required, FINAL), []);
});

Deno.test("an option absent from the final config satisfies 'not set'", () => {
  const required = parseConfig("# CONFIG_MODULES is not set\n");
  assert.deepEqual(unmetOptions(required, FINAL), []);
});

Deno.test("unmetOptions lists options that were dropped or changed", () => {
  const required = parseConfig(
    'CONFIG_SMP=y\nCONFIG_VSOCKETS=y\nCONFIG_64BIT=y\nCONFIG_CMDLINE="loud"\n',
  );
  const unmet = unmetOptions(required, FINAL);
  assert.deepEqual(unmet, [
    { name: "CONFIG_SMP", wanted: "y", got: "n" },
    { name: "CONFIG_VSOCKETS", wanted: "y", got: undefined },
    { name: "CONFIG_CMDLINE", wanted: '"loud"', got: '"quiet"' },
  ]);
  assert.deepEqual(formatUnmet(unmet), [
    "CONFIG_SMP: wanted y, got n",
    "CONFIG_VSOCKETS: wanted y, got absent (unknown option or unmet dependencies)",
    'CONFIG_CMDLINE: wanted "loud", got "quiet"',
  ]);
});

Deno.test("a wanted 'not set' that came out enabled is unmet", () => {
  const required = parseConfig("# CONFIG_64BIT is not set\n");
  assert.deepEqual(unmetOptions(required, FINAL), [
    { name: "CONFIG_64BIT", wanted: "n", got: "y" },
  ]);
});
