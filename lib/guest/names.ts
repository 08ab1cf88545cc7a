/**
 * Names by which the guest finds what the host gave it.
 *
 * @module
 */

/** Name of the root-only virtio-serial port carrying the launch spec and the init's reports. */
export const CONTROL_PORT_NAME = "org.qubesify.control";

/** Where the guest init lives in every template image (the kernel's `init=`). */
export const GUEST_INIT = "/usr/lib/qubesify/init";

/** Virtio serial of the per-app home disk the init mounts on the user's home. */
export const HOME_DISK_SERIAL = "qubesify-home";
