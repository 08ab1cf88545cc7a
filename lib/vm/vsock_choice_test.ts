import assert from "node:assert/strict";
import { chooseVsock, KernelVsockUnavailableError } from "./vsock_choice.ts";

const windowed = {
  display: "wayland",
  audio: "none",
  network: { mode: "none" },
} as const;
const headless = {
  display: "none",
  audio: "none",
  network: { mode: "user" },
} as const;

Deno.test("chooseVsock auto: kernel vsock where usable, the own back-end where not", () => {
  assert.equal(
    chooseVsock({ app: windowed, mode: "auto", kernelVsockUsable: true }),
    "kernel",
  );
  assert.equal(
    chooseVsock({ app: windowed, mode: "auto", kernelVsockUsable: false }),
    "user",
  );
});

Deno.test("chooseVsock auto: no vsock for an app that uses no host service", () => {
  assert.equal(
    chooseVsock({ app: headless, mode: "auto", kernelVsockUsable: true }),
    undefined,
  );
});

Deno.test("chooseVsock auto: sound alone or the egress proxy alone need vsock", () => {
  for (
    const app of [
      { ...headless, audio: "playback" },
      { ...headless, network: { mode: "proxy" } },
    ] as const
  ) {
    assert.equal(
      chooseVsock({ app, mode: "auto", kernelVsockUsable: false }),
      "user",
    );
  }
});

Deno.test("chooseVsock: kernel and user insist, even for an app without services", () => {
  assert.equal(
    chooseVsock({ app: headless, mode: "user", kernelVsockUsable: true }),
    "user",
  );
  assert.equal(
    chooseVsock({ app: headless, mode: "kernel", kernelVsockUsable: true }),
    "kernel",
  );
});

Deno.test("chooseVsock: --vsock kernel without /dev/vhost-vsock says how to get it", () => {
  assert.throws(
    () =>
      chooseVsock({ app: windowed, mode: "kernel", kernelVsockUsable: false }),
    (error: Error) =>
      error instanceof KernelVsockUnavailableError &&
      /modprobe vhost_vsock/.test(error.message),
  );
});
