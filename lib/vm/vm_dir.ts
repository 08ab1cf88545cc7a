/**
 * A VM's runtime folder, `<runtime>/<app>-<n>`: its name is the VM's name
 * and the guest's host name, so `n` stays within what recipe names leave
 * room for (names are at most 58 characters, host names 63).
 *
 * @module
 */
import { join } from "node:path";
import { QubesifyError } from "../errors/mod.ts";

/** The most VMs of one app at once: `<name>-9999` still fits a host name. */
export const MAX_VMS_PER_APP = 9999;

/** Every name of the app is taken. */
export class TooManyVmsError extends QubesifyError {}

/** Creates `<runtime>/<app>-<n>` with the lowest free n; mkdir is the lock. */
export async function createVmDir(
  runtimeDir: string,
  app: string,
): Promise<{ name: string; dir: string }> {
  for (let n = 1; n <= MAX_VMS_PER_APP; n++) {
    const name = `${app}-${n}`;
    const dir = join(runtimeDir, name);
    try {
      await Deno.mkdir(dir, { mode: 0o700 });
      return { name, dir };
    } catch (error) {
      if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
    }
  }
  throw new TooManyVmsError(
    `${MAX_VMS_PER_APP} VMs of ${app} run already; stop some (qubesify ls)`,
  );
}
