import assert from "node:assert/strict";
import { EpollEvents, EPOLLIN, openEpollApi } from "./epoll.ts";
import { openEventFdApi } from "./eventfd.ts";
import { openFdApi } from "./fd.ts";
import { runEpollLoop } from "./epoll_loop.ts";

Deno.test("runEpollLoop dispatches ready fds, runs the after-wake work, stops and closes", () => {
  using epoll = openEpollApi();
  using events = openEventFdApi();
  using fds = openFdApi();
  const epfd = epoll.create();
  const event = events.create();
  const seen: string[] = [];
  const failure = runEpollLoop({
    epoll,
    epfd,
    events: new EpollEvents(4),
    setUp() {
      epoll.add(epfd, event, EPOLLIN, 7);
      events.signal(event);
      seen.push("set up");
    },
    stopping: () => seen.includes("woken"),
    timeout: () => 1000,
    dispatch: (data) => void seen.push(`fd ${data}`),
    afterWake: () => void seen.push("woken"),
    closeEverything() {
      fds.close(event);
      fds.close(epfd);
      seen.push("closed");
    },
  });
  assert.equal(failure, undefined);
  assert.deepEqual(seen, ["set up", "fd 7", "woken", "closed"]);
});

Deno.test("runEpollLoop answers a failure's message and still closes everything", () => {
  using epoll = openEpollApi();
  using fds = openFdApi();
  const epfd = epoll.create();
  let closed = false;
  const failure = runEpollLoop({
    epoll,
    epfd,
    events: new EpollEvents(1),
    setUp() {
      throw new Error("no listener");
    },
    stopping: () => false,
    timeout: () => 0,
    dispatch() {},
    afterWake() {},
    closeEverything() {
      fds.close(epfd);
      closed = true;
    },
  });
  assert.equal(failure, "no listener");
  assert.ok(closed);
});
