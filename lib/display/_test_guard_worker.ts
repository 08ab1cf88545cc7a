/**
 * Worker entry of the guard loop with the test filters of
 * `_test_guard.ts`, picked by the config's `testFilter`.
 *
 * @module
 */

/// <reference no-default-lib="true" />
/// <reference lib="deno.worker" />

import { errorMessage } from "../errors/mod.ts";
import { GuardLoop } from "./guard_loop.ts";
import type { GuardInit, GuardMessage } from "./guard_protocol.ts";
import {
  emptyOutput,
  type FilterOutput,
  type MessageFilter,
} from "./message_filter.ts";
import { passThroughFilter } from "./pass_through_filter.ts";
import { GREETING, type TestFilter } from "./_test_guard.ts";

function output(fields: Partial<FilterOutput>): FilterOutput {
  return { ...emptyOutput(), ...fields };
}

function testFilter(kind: TestFilter, connection: number): MessageFilter {
  const through = passThroughFilter();
  switch (kind) {
    case "throw-first":
      if (connection > 1) return through;
      return {
        ...through,
        fromClient() {
          throw new Error("the test filter refuses the first client");
        },
      };
    case "amplify":
      return {
        ...through,
        fromClient: (bytes, fds) =>
          output({
            toServer: [bytes],
            toServerFds: fds,
            toClient: [new Uint8Array(1024 * 1024)],
          }),
      };
    case "greet":
      return {
        ...through,
        start: () => output({ toServer: [GREETING], log: ["greeted"] }),
      };
    case "swallow":
      // Keeps every fd, as a filter holding a partial message does.
      return { ...through, fromClient: () => output({}) };
  }
}

self.onmessage = (message: MessageEvent<GuardInit>) => {
  self.onmessage = null;
  const post = (event: GuardMessage) => self.postMessage(event);
  const init = message.data;
  const kind = (init.config as { testFilter?: TestFilter }).testFilter;
  let built = 0;
  try {
    new GuardLoop(init, post, () => {
      built++;
      return kind ? testFilter(kind, built) : passThroughFilter();
    }).run();
  } catch (error) {
    post({ type: "ended", error: errorMessage(error) });
  }
  self.close();
};
