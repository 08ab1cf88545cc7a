/**
 * Questions about files the orchestrator asks without opening them for
 * real: may this user open a device, what is a file's SHA-256.
 *
 * @module
 */
export { deviceAccess, type DeviceUser } from "./device_access.ts";
export { sha256File } from "./sha256_file.ts";
