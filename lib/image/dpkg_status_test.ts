import assert from "node:assert/strict";
import { installedPackages } from "./dpkg_status.ts";

Deno.test("installed packages come out sorted, removed ones are skipped", () => {
  const status = `Package: socat
Status: install ok installed
Priority: optional
Version: 1.8.0.3-1
Description: multipurpose relay
 continuation line: with a colon

Package: bash
Status: install ok installed
Version: 5.2.37-2+b5

Package: gone
Status: deinstall ok config-files
Version: 1.0
`;
  assert.deepEqual(installedPackages(status), [
    { name: "bash", version: "5.2.37-2+b5" },
    { name: "socat", version: "1.8.0.3-1" },
  ]);
  assert.deepEqual(installedPackages(""), []);
});
