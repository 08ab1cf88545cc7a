import assert from "node:assert/strict";
import {
  EPOLLET,
  EpollEvents,
  EPOLLIN,
  EPOLLOUT,
  openEpollApi,
} from "./epoll.ts";
import { O_NONBLOCK, openFdApi } from "./fd.ts";
import { O_CLOEXEC } from "./libc.ts";
import { openSpliceApi, SPLICE_F_MOVE, SPLICE_F_NONBLOCK } from "./splice.ts";

Deno.test("epoll: blocks until its timeout, then reports readable fds with their data", () => {
  using epoll = openEpollApi();
  using pipes = openSpliceApi();
  using fds = openFdApi();
  const epfd = epoll.create();
  const pipe = pipes.pipe(O_NONBLOCK | O_CLOEXEC);
  try {
    const events = new EpollEvents(8);
    epoll.add(epfd, pipe.read, EPOLLIN, 41);
    epoll.add(epfd, pipe.write, EPOLLOUT | EPOLLET, 0xffff_fff0);
    // The write end is writable at once; the read end has nothing.
    assert.equal(epoll.wait(epfd, events, 0), 1);
    assert.equal(events.data(0), 0xffff_fff0);
    assert.equal(events.events(0) & EPOLLOUT, EPOLLOUT);
    // Edge-triggered: reported once, then the wait times out.
    const started = performance.now();
    assert.equal(epoll.wait(epfd, events, 50), 0);
    assert.ok(performance.now() - started >= 45, "epoll_wait slept");

    fds.write(pipe.write, new Uint8Array([1]));
    const count = epoll.wait(epfd, events, 1000);
    const reported = Array.from({ length: count }, (_, i) => events.data(i));
    assert.ok(reported.includes(41), `got ${reported}`);
    epoll.modify(epfd, pipe.read, 0, 41);
    epoll.remove(epfd, pipe.write);
    assert.equal(epoll.wait(epfd, events, 0), 0);
    assert.throws(() => epoll.remove(epfd, pipe.write), /epoll_ctl .* ENOENT/);
  } finally {
    fds.close(pipe.read);
    fds.close(pipe.write);
    fds.close(epfd);
  }
});

Deno.test("splice: bytes move pipe → pipe, EAGAIN is undefined, EOF is 0", () => {
  using pipes = openSpliceApi();
  using fds = openFdApi();
  const a = pipes.pipe(O_NONBLOCK | O_CLOEXEC);
  const b = pipes.pipe(O_NONBLOCK | O_CLOEXEC);
  try {
    const flags = SPLICE_F_MOVE | SPLICE_F_NONBLOCK;
    assert.equal(pipes.splice(a.read, b.write, 4096, flags), undefined);
    const payload = crypto.getRandomValues(new Uint8Array(3000));
    assert.equal(fds.write(a.write, payload), 3000);
    assert.equal(pipes.splice(a.read, b.write, 65536, flags), 3000);
    const back = new Uint8Array(4000);
    assert.equal(fds.read(b.read, back), 3000);
    assert.deepEqual(back.subarray(0, 3000), payload);
    fds.close(a.write);
    assert.equal(pipes.splice(a.read, b.write, 4096, flags), 0);
  } finally {
    for (const fd of [a.read, b.read, b.write]) fds.close(fd);
  }
});

Deno.test("splice: a pipe's capacity can be raised up to pipe-max-size", () => {
  using pipes = openSpliceApi();
  using fds = openFdApi();
  const pipe = pipes.pipe(O_CLOEXEC);
  try {
    assert.equal(pipes.setPipeSize(pipe.read, 256 * 1024), 256 * 1024);
    assert.equal(pipes.setPipeSize(pipe.read, 4096), 4096);
  } finally {
    fds.close(pipe.read);
    fds.close(pipe.write);
  }
});
