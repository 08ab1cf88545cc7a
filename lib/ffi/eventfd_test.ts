import assert from "node:assert/strict";
import { openEventFdApi } from "./eventfd.ts";
import { openFdApi } from "./fd.ts";
import { EpollEvents, EPOLLIN, openEpollApi } from "./epoll.ts";

Deno.test("eventfd counts signals and wakes epoll", () => {
  using events = openEventFdApi();
  using epoll = openEpollApi();
  using fds = openFdApi();
  const fd = events.create();
  const epfd = epoll.create();
  try {
    epoll.add(epfd, fd, EPOLLIN, 42);
    const ready = new EpollEvents(4);
    assert.equal(epoll.wait(epfd, ready, 0), 0, "nothing signalled yet");
    assert.equal(events.drain(fd), undefined);
    assert.ok(events.signal(fd));
    assert.ok(events.signal(fd, 2n));
    assert.equal(epoll.wait(epfd, ready, 1000), 1);
    assert.equal(ready.data(0), 42);
    assert.equal(events.drain(fd), 3n);
    assert.equal(epoll.wait(epfd, ready, 0), 0, "drained");
    // The counter saturates at 2^64-2: a non-blocking signal then fails.
    assert.ok(events.signal(fd, 0xffff_ffff_ffff_fffen));
    assert.equal(events.signal(fd), false);
  } finally {
    fds.close(epfd);
    fds.close(fd);
  }
});
