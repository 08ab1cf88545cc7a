/**
 * Worker entry of a fenced command (see fenced.ts): runs the command line
 * it is sent with the process's stdio and posts the exit code back. The
 * Worker's permissions are the command's fence.
 *
 * @module
 */

/// <reference no-default-lib="true" />
/// <reference lib="deno.worker" />

import { processContext } from "./context.ts";
import type { FencedExit, FencedStart } from "./fenced.ts";
import { runCli } from "./program.ts";

self.onmessage = async (message: MessageEvent<FencedStart>) => {
  self.onmessage = null;
  const code = await runCli(message.data.args, processContext());
  self.postMessage({ code } satisfies FencedExit);
};
