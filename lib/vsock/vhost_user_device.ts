/**
 * The back-end half of vhost-user for a virtio-vsock device: answers
 * QEMU's messages (features, memory table, vrings, config space with the
 * guest CID) and keeps the state they build up. It does no I/O itself:
 * mapping memory and closing fds go through a {@linkcode DevicePlatform},
 * and replies are returned as bytes for the caller to send.
 *
 * Offered: VIRTIO_F_VERSION_1 and VHOST_USER_F_PROTOCOL_FEATURES; protocol
 * features REPLY_ACK and CONFIG (QEMU's vhost-user-vsock reads the CID
 * through GET_CONFIG and refuses a back-end without it).
 *
 * A message the device cannot accept is refused, not fatal: it is reported
 * through {@linkcode VhostUserVsockDevice.onRefused} and, where the front
 * end waits for a reply, answered with a failure (an empty payload for the
 * GET requests, a non-zero status for REPLY_ACK), so QEMU sees an error
 * and the back-end keeps serving.
 *
 * @module
 */

import { QubesifyError } from "../errors/mod.ts";
import {
  GuestMemory,
  type GuestRegion,
  type RawMemory,
} from "./guest_memory.ts";
import { SplitVirtqueue } from "./split_virtqueue.ts";
import {
  decodeConfigHeader,
  decodeMemoryTable,
  decodeU64,
  decodeVringAddress,
  decodeVringFile,
  decodeVringState,
  encodeConfigReply,
  encodeReply,
  encodeU64,
  encodeVringState,
  requestName,
  VHOST_USER_F_PROTOCOL_FEATURES,
  VHOST_USER_NEED_REPLY_FLAG,
  VHOST_USER_PROTOCOL_F_CONFIG,
  VHOST_USER_PROTOCOL_F_REPLY_ACK,
  type VhostUserHeader,
  VhostUserProtocolError,
  VhostUserRequest,
  VIRTIO_F_VERSION_1,
  type VringAddressMessage,
  vsockConfigSpace,
} from "./vhost_user_message.ts";

/** Queue indexes of a virtio-vsock device. */
export const VSOCK_RX_QUEUE = 0;
/** Guest → device packets. */
export const VSOCK_TX_QUEUE = 1;
/** Device → guest events (transport reset); unused here. */
export const VSOCK_EVENT_QUEUE = 2;
/** A vsock device has three queues. */
export const VSOCK_QUEUE_COUNT = 3;

/** Virtio features this device offers. */
export const DEVICE_FEATURES = (1n << BigInt(VIRTIO_F_VERSION_1)) |
  (1n << BigInt(VHOST_USER_F_PROTOCOL_FEATURES));
/** vhost-user protocol features this back-end offers. */
export const DEVICE_PROTOCOL_FEATURES =
  (1n << BigInt(VHOST_USER_PROTOCOL_F_REPLY_ACK)) |
  (1n << BigInt(VHOST_USER_PROTOCOL_F_CONFIG));

/** Requests that are always answered, failed or not. */
const ALWAYS_ANSWERED: ReadonlySet<number> = new Set([
  VhostUserRequest.GET_FEATURES,
  VhostUserRequest.GET_PROTOCOL_FEATURES,
  VhostUserRequest.GET_VRING_BASE,
  VhostUserRequest.GET_QUEUE_NUM,
  VhostUserRequest.GET_CONFIG,
]);

/** What the device needs from its process. */
export interface DevicePlatform {
  /** Maps `length` bytes of `fd` from offset 0, shared, read-write. */
  map(fd: number, length: bigint): bigint;
  /** Undoes {@linkcode DevicePlatform.map}. */
  unmap(address: bigint, length: bigint): void;
  /** Closes an fd QEMU sent. */
  close(fd: number): void;
  /** Copies to and from mapped addresses. */
  raw: RawMemory;
}

/** A received message: header, payload and the fds that came with it. */
export interface DeviceMessage {
  /** The header. */
  readonly header: VhostUserHeader;
  /** `header.size` bytes. */
  readonly payload: Uint8Array;
  /** fds from SCM_RIGHTS; the device owns them from now on. */
  readonly fds: number[];
}

interface Vring {
  num: number;
  base: number;
  address?: VringAddressMessage;
  kick?: number;
  call?: number;
  enabled: boolean;
  queue?: SplitVirtqueue;
}

interface Mapping {
  address: bigint;
  length: bigint;
}

/** vhost-user back-end state of one virtio-vsock device. */
export class VhostUserVsockDevice {
  readonly #platform: DevicePlatform;
  readonly #config: Uint8Array;
  readonly #vrings: Vring[] = [];
  #mappings: Mapping[] = [];
  #memory?: GuestMemory;
  #features = 0n;
  #protocolFeatures = 0n;
  /** Called when a queue's kick fd changes (undefined: none now). */
  onKick?: (index: number, fd: number | undefined) => void;
  /** Called with the reason when a message is refused. */
  onRefused?: (reason: string) => void;

  /** A device for guest `guestCid`, mapping memory through `platform`. */
  constructor(guestCid: number, platform: DevicePlatform) {
    this.#platform = platform;
    this.#config = vsockConfigSpace(guestCid);
    for (let i = 0; i < VSOCK_QUEUE_COUNT; i++) {
      this.#vrings.push({ num: 0, base: 0, enabled: true });
    }
  }

  /** Guest memory, once QEMU has sent its table. */
  get memory(): GuestMemory | undefined {
    return this.#memory;
  }

  /** Queue `index` when it is set up and running. */
  queue(index: number): SplitVirtqueue | undefined {
    const vring = this.#vrings[index];
    return vring?.enabled ? vring.queue : undefined;
  }

  /** The call eventfd of queue `index` (signalled after using buffers). */
  callFd(index: number): number | undefined {
    return this.#vrings[index]?.call;
  }

  #vring(index: number): Vring {
    const vring = this.#vrings[index];
    if (!vring) {
      throw new VhostUserProtocolError(
        `queue ${index} does not exist (a vsock device has ${VSOCK_QUEUE_COUNT})`,
      );
    }
    return vring;
  }

  #start(index: number): void {
    const vring = this.#vrings[index];
    // Whatever ran before is stale now, even if this start fails.
    vring.queue = undefined;
    if (
      !this.#memory || !vring.address || vring.kick === undefined ||
      vring.num === 0
    ) {
      return;
    }
    const memory = this.#memory;
    vring.queue = new SplitVirtqueue(memory, {
      size: vring.num,
      descriptors: memory.guestAddressOfUser(vring.address.descriptor),
      available: memory.guestAddressOfUser(vring.address.available),
      used: memory.guestAddressOfUser(vring.address.used),
    }, vring.base);
  }

  /** Tells the loop to stop watching a kick fd before it is closed. */
  #dropKick(index: number): void {
    const vring = this.#vrings[index];
    if (vring.kick === undefined) return;
    this.onKick?.(index, undefined);
    this.#platform.close(vring.kick);
    vring.kick = undefined;
  }

  #takeFd(message: DeviceMessage, what: string): number {
    const [fd, ...extra] = message.fds;
    for (const unwanted of extra) this.#platform.close(unwanted);
    message.fds.length = 0;
    if (fd === undefined) {
      throw new VhostUserProtocolError(`${what} came without an fd`);
    }
    return fd;
  }

  /**
   * Handles one message; returns the reply to send, if any. A message it
   * cannot accept (any {@linkcode QubesifyError}: a bad payload, an
   * unknown request, a failed mmap) is refused as
   * {@linkcode VhostUserVsockDevice.refuse} does; fds that came with a
   * message are closed or kept, never leaked.
   */
  handle(message: DeviceMessage): Uint8Array | undefined {
    try {
      return this.#handle(message);
    } catch (error) {
      if (!(error instanceof QubesifyError)) throw error;
      return this.refuse(message.header, error.message);
    } finally {
      for (const fd of message.fds) this.#platform.close(fd);
      message.fds.length = 0;
    }
  }

  /**
   * Reports a message the device does not accept and returns the failure
   * reply the front-end waits for, if it waits for one.
   */
  refuse(header: VhostUserHeader, reason: string): Uint8Array | undefined {
    this.onRefused?.(`${requestName(header.request)} refused: ${reason}`);
    if (ALWAYS_ANSWERED.has(header.request)) {
      return encodeReply(header.request, new Uint8Array(0));
    }
    return this.#wantsAck(header)
      ? encodeReply(header.request, encodeU64(1n))
      : undefined;
  }

  /** Whether `header` asks for a REPLY_ACK status, and may. */
  #wantsAck(header: VhostUserHeader): boolean {
    return (header.flags & VHOST_USER_NEED_REPLY_FLAG) !== 0 &&
      (this.#protocolFeatures &
          (1n << BigInt(VHOST_USER_PROTOCOL_F_REPLY_ACK))) !== 0n;
  }

  #handle(message: DeviceMessage): Uint8Array | undefined {
    const { header, payload } = message;
    const R = VhostUserRequest;
    const ack = () =>
      this.#wantsAck(header)
        ? encodeReply(header.request, encodeU64(0n))
        : undefined;
    switch (header.request) {
      case R.GET_FEATURES:
        return encodeReply(header.request, encodeU64(DEVICE_FEATURES));
      case R.SET_FEATURES: {
        const features = decodeU64(payload);
        if (features & ~DEVICE_FEATURES) {
          throw new VhostUserProtocolError(
            `features 0x${features.toString(16)} were not offered`,
          );
        }
        this.#features = features;
        return ack();
      }
      case R.GET_PROTOCOL_FEATURES:
        return encodeReply(
          header.request,
          encodeU64(DEVICE_PROTOCOL_FEATURES),
        );
      case R.SET_PROTOCOL_FEATURES:
        this.#protocolFeatures = decodeU64(payload) & DEVICE_PROTOCOL_FEATURES;
        return ack();
      case R.SET_OWNER:
      case R.RESET_OWNER:
        return ack();
      case R.GET_QUEUE_NUM:
        return encodeReply(
          header.request,
          encodeU64(BigInt(VSOCK_QUEUE_COUNT)),
        );
      case R.SET_MEM_TABLE:
        this.#setMemoryTable(message);
        return ack();
      case R.SET_VRING_NUM: {
        const { index, num } = decodeVringState(payload);
        if (num === 0 || num > 32768 || (num & (num - 1)) !== 0) {
          throw new VhostUserProtocolError(`queue ${index} size ${num}`);
        }
        this.#vring(index).num = num;
        return ack();
      }
      case R.SET_VRING_ADDR: {
        const address = decodeVringAddress(payload);
        this.#vring(address.index).address = address;
        return ack();
      }
      case R.SET_VRING_BASE: {
        const { index, num } = decodeVringState(payload);
        this.#vring(index).base = num & 0xffff;
        return ack();
      }
      case R.GET_VRING_BASE: {
        const { index } = decodeVringState(payload);
        const vring = this.#vring(index);
        const base = vring.queue?.lastAvailable ?? vring.base;
        vring.base = base;
        vring.queue = undefined;
        this.#dropKick(index);
        return encodeReply(header.request, encodeVringState(index, base));
      }
      case R.SET_VRING_KICK:
      case R.SET_VRING_CALL:
      case R.SET_VRING_ERR: {
        const { index, hasFd } = decodeVringFile(payload);
        const vring = this.#vring(index);
        const name = requestName(header.request);
        if (!hasFd) {
          throw new VhostUserProtocolError(
            `${name} without an fd (polling mode) is not supported`,
          );
        }
        const fd = this.#takeFd(message, name);
        if (header.request === R.SET_VRING_ERR) {
          // Errors are never reported through it.
          this.#platform.close(fd);
        } else if (header.request === R.SET_VRING_CALL) {
          if (vring.call !== undefined) this.#platform.close(vring.call);
          vring.call = fd;
        } else {
          this.#dropKick(index);
          vring.kick = fd;
          this.#start(index);
          this.onKick?.(index, fd);
        }
        return ack();
      }
      case R.SET_VRING_ENABLE: {
        const { index, num } = decodeVringState(payload);
        this.#vring(index).enabled = num !== 0;
        return ack();
      }
      case R.GET_CONFIG: {
        const request = decodeConfigHeader(payload);
        return encodeReply(
          header.request,
          encodeConfigReply(request, this.#config),
        );
      }
      case R.SET_CONFIG:
        // The CID is the host's to choose; the guest cannot change it.
        return ack();
      default:
        throw new VhostUserProtocolError(
          `${requestName(header.request)} is not supported`,
        );
    }
  }

  #setMemoryTable(message: DeviceMessage): void {
    const table = decodeMemoryTable(message.payload);
    if (message.fds.length !== table.length) {
      throw new VhostUserProtocolError(
        `memory table of ${table.length} regions came with ${message.fds.length} fds`,
      );
    }
    const mappings: Mapping[] = [];
    const regions: GuestRegion[] = [];
    const fds = message.fds.splice(0);
    try {
      table.forEach((region, i) => {
        const length = region.mmapOffset + region.size;
        const address = this.#platform.map(fds[i], length);
        mappings.push({ address, length });
        regions.push({
          guestAddress: region.guestAddress,
          size: region.size,
          userAddress: region.userAddress,
          hostAddress: address + region.mmapOffset,
        });
      });
    } catch (error) {
      for (const mapping of mappings) {
        this.#platform.unmap(mapping.address, mapping.length);
      }
      throw error;
    } finally {
      // A mapping keeps the memory alive; the fds are not needed after.
      for (const fd of fds) this.#platform.close(fd);
    }
    // Running queues read the old mappings: stop them all before those go,
    // so none is left on unmapped memory if a restart below fails.
    const running = this.#vrings.filter((vring) => vring.queue);
    for (const vring of running) {
      vring.base = vring.queue!.lastAvailable;
      vring.queue = undefined;
    }
    this.#unmapAll();
    this.#mappings = mappings;
    this.#memory = new GuestMemory(regions, this.#platform.raw);
    for (const vring of running) this.#start(this.#vrings.indexOf(vring));
  }

  #unmapAll(): void {
    for (const mapping of this.#mappings) {
      this.#platform.unmap(mapping.address, mapping.length);
    }
    this.#mappings = [];
    this.#memory = undefined;
  }

  /** Negotiated virtio features. */
  get features(): bigint {
    return this.#features;
  }

  /** Releases every fd and mapping (QEMU went away). */
  close(): void {
    this.#vrings.forEach((vring, index) => {
      vring.queue = undefined;
      this.#dropKick(index);
      if (vring.call !== undefined) this.#platform.close(vring.call);
      vring.call = undefined;
    });
    this.#unmapAll();
  }
}
