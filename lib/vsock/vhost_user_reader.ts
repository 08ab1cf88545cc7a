/**
 * Reading one vhost-user message, with the fds that came with it, off
 * QEMU's blocking socket. A payload over VHOST_USER_MAX_PAYLOAD is not
 * kept: it is skipped a chunk at a time, so the next message is still
 * found, and the caller refuses the message (see vhost_user_device.ts).
 * Only a wrong version loses the framing, and with it the front-end.
 *
 * @module
 */

import type { FdPassingApi } from "../ffi/mod.ts";
import type { DeviceMessage } from "./vhost_user_device.ts";
import {
  decodeHeader,
  oversizedPayload,
  VHOST_USER_HEADER_SIZE,
  type VhostUserHeader,
} from "./vhost_user_message.ts";

/** Bytes of an oversized payload skipped per read. */
const SKIP_CHUNK = 64 * 1024;

/** A message read whole, or the header of one skipped unread. */
export type ReceivedMessage =
  | { readonly kind: "message"; readonly message: DeviceMessage }
  | {
    readonly kind: "oversized";
    readonly header: VhostUserHeader;
    /** Why it was skipped. */
    readonly reason: string;
  };

/** What {@linkcode receiveMessage} reads and closes with. */
export interface MessageSource {
  /** recvmsg with SCM_RIGHTS. */
  readonly passing: Pick<FdPassingApi, "receive">;
  /** Closes an fd that came with a message nobody will own. */
  close(fd: number): void;
}

/**
 * The next message on blocking socket `fd`; undefined at end of file (or
 * a message cut short). Throws {@linkcode VhostUserProtocolError} for a
 * wrong version. The fds of a skipped or cut message are closed.
 */
export function receiveMessage(
  source: MessageSource,
  fd: number,
): ReceivedMessage | undefined {
  const headerBytes = new Uint8Array(VHOST_USER_HEADER_SIZE);
  const first = source.passing.receive(fd, headerBytes, { waitAll: true });
  const fds = [...first?.fds ?? []];
  const closeFds = () => {
    for (const received of fds) source.close(received);
  };
  if (!first || first.length < VHOST_USER_HEADER_SIZE) {
    closeFds();
    return undefined;
  }
  let header: VhostUserHeader;
  try {
    header = decodeHeader(headerBytes);
  } catch (error) {
    closeFds();
    throw error;
  }
  const oversized = oversizedPayload(header);
  const payload = new Uint8Array(oversized ? SKIP_CHUNK : header.size);
  for (let left = header.size; left > 0;) {
    const into = payload.subarray(0, Math.min(left, payload.length));
    const rest = source.passing.receive(fd, into, { waitAll: true });
    fds.push(...rest?.fds ?? []);
    if (!rest || rest.length < into.length) {
      closeFds();
      return undefined;
    }
    left -= into.length;
  }
  if (oversized) {
    closeFds();
    return { kind: "oversized", header, reason: oversized };
  }
  return { kind: "message", message: { header, payload, fds } };
}
