/**
 * Reading the installed packages out of a dpkg status file.
 *
 * @module
 */

/** One installed package. */
export interface InstalledPackage {
  /** Package name. */
  name: string;
  /** Installed version. */
  version: string;
}

/** Lists installed packages (status `install ok installed`), sorted by name. */
export function installedPackages(status: string): InstalledPackage[] {
  const packages: InstalledPackage[] = [];
  for (const stanza of status.split(/\n\s*\n/)) {
    const field = (name: string) =>
      new RegExp(`^${name}: (.+)$`, "m").exec(stanza)?.[1].trim();
    const name = field("Package");
    const version = field("Version");
    if (name && version && field("Status") === "install ok installed") {
      packages.push({ name, version });
    }
  }
  return packages.sort((a, b) => a.name.localeCompare(b.name));
}
