import assert from "node:assert/strict";
import { guestContractPackages, mmdebstrapArgs } from "./mmdebstrap_args.ts";

Deno.test("root mode writes a directory with our files unpacked last", () => {
  assert.deepEqual(
    mmdebstrapArgs({
      suite: "trixie",
      mirror: "http://deb.debian.org/debian",
      packages: ["socat", "foot", "socat"],
      mode: "root",
      output: "/b/rootfs",
      guestFiles: "/b/guest.tar",
      statusOut: "/b/out",
    }),
    [
      "--mode=root",
      "--variant=minbase",
      "--format=directory",
      "--include=foot,socat",
      "--customize-hook=copy-in /b/guest.tar /tmp",
      '--customize-hook=chroot "$1" tar --extract --file /tmp/guest.tar --directory /',
      '--customize-hook=rm "$1/tmp/guest.tar"',
      "--customize-hook=copy-out /var/lib/dpkg/status /b/out",
      "trixie",
      "/b/rootfs",
      "http://deb.debian.org/debian",
    ],
  );
});

Deno.test("unshare mode writes a tarball and may have no extra packages", () => {
  assert.deepEqual(
    mmdebstrapArgs({
      suite: "bookworm",
      mirror: "http://mirror.example/debian",
      packages: [],
      mode: "unshare",
      output: "/b/rootfs.tar",
      guestFiles: "/b/guest.tar",
      statusOut: "/b/out",
    }),
    [
      "--mode=unshare",
      "--variant=minbase",
      "--format=tar",
      "--customize-hook=copy-in /b/guest.tar /tmp",
      '--customize-hook=chroot "$1" tar --extract --file /tmp/guest.tar --directory /',
      '--customize-hook=rm "$1/tmp/guest.tar"',
      "--customize-hook=copy-out /var/lib/dpkg/status /b/out",
      "bookworm",
      "/b/rootfs.tar",
      "http://mirror.example/debian",
    ],
  );
});

Deno.test("the guest contract adds waypipe and pulse only when apps use them", () => {
  assert.deepEqual(guestContractPackages({ display: false, audio: false }), [
    "socat",
  ]);
  assert.deepEqual(guestContractPackages({ display: true, audio: true }), [
    "socat",
    "waypipe",
    "libpulse0",
  ]);
});
