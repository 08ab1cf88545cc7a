/**
 * The guest's side of the contract: the init script every template image
 * carries at `GUEST_INIT` (names.ts). It lives beside the host's side so
 * that one folder holds all both ends agree on.
 *
 * @module
 */
import { fileURLToPath } from "node:url";

/** The guest init script shipped with qubesify (embedded in a compiled binary). */
export async function readGuestInit(): Promise<string> {
  return await Deno.readTextFile(
    fileURLToPath(new URL("./init", import.meta.url)),
  );
}
