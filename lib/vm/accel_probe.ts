/**
 * Does a guest really run under an accelerator, with a given device? Opening
 * /dev/kvm is not enough: on some hosts (nested virtualisation) it opens and
 * guests hang. The probe boots a 64 KiB firmware whose reset vector writes a
 * marker to the serial port, and waits for the marker with a timeout.
 *
 * @module
 */
import { cpuModel, SANDBOX_ARGS } from "./qemu_args.ts";
import { QemuPrivilegeError, spawnQemu } from "./qemu_process.ts";
import { join } from "node:path";

/** The bytes the probe firmware writes to COM1. */
export const PROBE_MARKER = "QBOK";

/** The smallest BIOS image QEMU accepts for x86 machines. */
const FIRMWARE_SIZE = 64 * 1024;

/**
 * Firmware for the probe. x86 starts in real mode at physical 0xFFFFFFF0,
 * the last 16 bytes of the BIOS image; a short jump there leads back to:
 *
 *     mov dx, 0x3f8            ; COM1 data port
 *     mov al, c ; out dx, al   ; once per marker byte
 *     cli ; hlt ; jmp to hlt   ; stop, so no garbage executes
 */
export function probeFirmware(): Uint8Array {
  const code = [0xba, 0xf8, 0x03];
  for (const char of PROBE_MARKER) code.push(0xb0, char.charCodeAt(0), 0xee);
  code.push(0xfa, 0xf4, 0xeb, 0xfd);
  const resetVector = FIRMWARE_SIZE - 16;
  const image = new Uint8Array(FIRMWARE_SIZE).fill(0xf4);
  image.set(code, resetVector - code.length);
  // jmp short rel8, relative to the end of the 2-byte jump.
  image.set([0xeb, 0x100 - (code.length + 2)], resetVector);
  return image;
}

/**
 * The QEMU command line for the probe (pure; unit tested), in the same
 * seccomp sandbox as a VM's, so the probe also finds a QEMU that cannot
 * run sandboxed.
 */
export function probeArgs(
  options: { accel: "kvm" | "tcg"; firmware: string; extraArgs?: string[] },
): string[] {
  return [
    "-M",
    "microvm,acpi=off,pit=off,pic=off,rtc=off",
    "-accel",
    options.accel,
    // The CPU model run boots with: a nested KVM may start a bare vCPU yet
    // refuse the host model's MSRs.
    "-cpu",
    cpuModel(options.accel),
    "-m",
    "16M",
    "-nodefaults",
    "-no-user-config",
    ...SANDBOX_ARGS,
    "-display",
    "none",
    "-bios",
    options.firmware,
    "-serial",
    "stdio",
    ...options.extraArgs ?? [],
  ];
}

/** What {@linkcode probeGuest} needs. */
export interface GuestProbeOptions {
  /** Path of qemu-system-x86_64. */
  qemu: string;
  /** Accelerator to probe. */
  accel: "kvm" | "tcg";
  /** More QEMU arguments, e.g. a device whose backend should be tried. */
  extraArgs?: string[];
  /** Give up after this long. */
  timeoutMs: number;
}

/** The verdict of {@linkcode probeGuest}. */
export interface GuestProbeResult {
  /** Whether the guest ran its first instructions in time. */
  works: boolean;
  /** Milliseconds until the marker arrived or the probe gave up. */
  elapsedMs: number;
  /** Why it does not work (QEMU's own words or the timeout). */
  reason?: string;
}

/**
 * Boots the probe firmware under `accel` (with `extraArgs`). QEMU opens
 * /dev/kvm and device backends itself, so its own error says precisely what
 * is wrong; a QEMU that would not run with the user's own rights does not
 * work either (see qemu_process.ts). The QEMU process is always killed and
 * reaped before this returns.
 */
export async function probeGuest(
  options: GuestProbeOptions,
): Promise<GuestProbeResult> {
  const dir = await Deno.makeTempDir({ prefix: "qubesify-probe-" });
  const firmware = join(dir, "probe.bin");
  const started = performance.now();
  try {
    await Deno.writeFile(firmware, probeFirmware());
    let child: Deno.ChildProcess;
    try {
      child = await spawnQemu(options.qemu, {
        args: probeArgs({ ...options, firmware }),
        stdout: "piped",
        stderr: "piped",
      });
    } catch (error) {
      if (!(error instanceof QemuPrivilegeError)) throw error;
      const elapsedMs = Math.round(performance.now() - started);
      return { works: false, elapsedMs, reason: error.message };
    }
    const stderr = new Response(child.stderr).text();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const outcome = await Promise.race([
      readUntil(child.stdout, PROBE_MARKER).then((found) =>
        found ? "marker" : "exited"
      ),
      new Promise<"timeout">((resolve) => {
        timer = setTimeout(() => resolve("timeout"), options.timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    try {
      child.kill("SIGKILL");
    } catch {
      // QEMU already exited on its own (e.g. it could not open /dev/kvm).
    }
    await child.status;
    const elapsedMs = Math.round(performance.now() - started);
    if (outcome === "marker") return { works: true, elapsedMs };
    if (outcome === "timeout") {
      return {
        works: false,
        elapsedMs,
        reason: `the guest did not start within ${options.timeoutMs} ms`,
      };
    }
    const said = (await stderr).trim().split("\n").at(-1) ?? "";
    return {
      works: false,
      elapsedMs,
      reason: said || "QEMU exited before the guest started",
    };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Reads until `marker` appears (true) or the stream ends (false). */
async function readUntil(
  stream: ReadableStream<Uint8Array>,
  marker: string,
): Promise<boolean> {
  const decoder = new TextDecoder();
  let seen = "";
  for await (const chunk of stream) {
    seen = (seen + decoder.decode(chunk, { stream: true })).slice(-256);
    if (seen.includes(marker)) return true;
  }
  return false;
}
