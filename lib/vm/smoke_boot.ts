/**
 * The smoke test a new kernel or image must pass before it replaces the
 * previous one: boot it and run a command through the whole guest contract.
 *
 * @module
 */
import { bootVm } from "./boot.ts";

/** What {@linkcode smokeTest} boots. */
export interface SmokeTestOptions {
  /** Path of qemu-system-x86_64. */
  qemu: string;
  /** bzImage. */
  kernel: string;
  /** Template image. */
  image: string;
  /** Accelerator. */
  accel: "kvm" | "tcg";
  /** Give up after this long (TCG boots take seconds, not minutes). */
  timeoutMs?: number;
}

const EXPECTED = "qubesify-smoke-ok";

/** Boots once; resolves with `undefined` when it passed, else with why not. */
export async function smokeTest(
  options: SmokeTestOptions,
): Promise<string | undefined> {
  const workDir = await Deno.makeTempDir({ prefix: "qubesify-smoke-" });
  try {
    const result = await bootVm({
      qemu: options.qemu,
      kernel: options.kernel,
      rootImage: options.image,
      memoryBytes: 256 * 2 ** 20,
      cpus: 1,
      accel: options.accel,
      acpi: false,
      network: { mode: "none" },
      spec: {
        hostname: "smoke-test",
        user: "user",
        argv: ["echo", EXPECTED],
        env: {},
        display: "none",
        audio: "none",
      },
      workDir,
      timeoutMs: options.timeoutMs ?? 300_000,
    });
    if (result.timedOut) {
      return `the VM did not finish within ${options.timeoutMs ?? 300_000} ms`;
    }
    if (result.report.kind === "fail") {
      return `the guest init failed: ${result.report.reason}`;
    }
    if (result.report.kind === "none") {
      return `the guest reported nothing (QEMU: ${
        result.qemuStderr || `exit ${result.qemuCode}`
      })`;
    }
    if (result.report.status !== 0) {
      return `the test command exited with ${result.report.status}`;
    }
    const output = new TextDecoder().decode(result.appOutput);
    if (output.trim() !== EXPECTED) {
      return `unexpected output: ${JSON.stringify(output.slice(0, 80))}`;
    }
    return undefined;
  } finally {
    await Deno.remove(workDir, { recursive: true });
  }
}
