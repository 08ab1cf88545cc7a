/*
 * Guest side of tests/vm/user_vsock_test.ts: a vsock peer for the host
 * (CID 2) that sends a pseudo-random stream and checks what comes back.
 *
 *   vsock_peer stream PORT BYTES SEED  connect to 2:PORT, send BYTES of the
 *       xorshift32 stream of SEED, shut down writing, read until end of
 *       file, and check the bytes read are that same stream (an echo).
 *   vsock_peer flood PORT              connect and send until killed.
 *   vsock_peer listen PORT             accept one connection, echo it.
 *   vsock_peer send PORT BYTES         connect, send BYTES zeros, close.
 *   vsock_peer write PATH BYTES        write BYTES zeros to a file (a
 *       virtio-serial port), for comparison in bench/vsock_throughput.ts.
 *
 * Prints one line per run: "RESULT <mode> port=P sent=N received=M ok=0|1"
 * or "RESULT <mode> port=P error=<errno name>".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/vm_sockets.h>

static unsigned next_byte(unsigned *state) {
  unsigned x = *state;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  *state = x;
  return x & 0xff;
}

static int fail(const char *mode, unsigned port, const char *what) {
  printf("RESULT %s port=%u error=%s:%s\n", mode, port, what, strerrorname_np(errno));
  fflush(stdout);
  return 1;
}

static int connect_host(unsigned port) {
  int fd = socket(AF_VSOCK, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  struct sockaddr_vm addr = {0};
  addr.svm_family = AF_VSOCK;
  addr.svm_cid = VMADDR_CID_HOST;
  addr.svm_port = port;
  if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
    int saved = errno;
    close(fd);
    errno = saved;
    return -1;
  }
  return fd;
}

static int stream(unsigned port, unsigned long bytes, unsigned seed) {
  int fd = connect_host(port);
  if (fd < 0) return fail("stream", port, "connect");
  pid_t child = fork();
  if (child < 0) return fail("stream", port, "fork");
  if (child == 0) {
    unsigned state = seed;
    unsigned char buf[8192];
    unsigned long sent = 0;
    while (sent < bytes) {
      size_t n = bytes - sent < sizeof buf ? bytes - sent : sizeof buf;
      for (size_t i = 0; i < n; i++) buf[i] = next_byte(&state);
      size_t off = 0;
      while (off < n) {
        ssize_t w = write(fd, buf + off, n - off);
        if (w < 0) _exit(2);
        off += w;
      }
      sent += n;
    }
    if (shutdown(fd, SHUT_WR) < 0) _exit(3);
    _exit(0);
  }
  unsigned state = seed;
  unsigned char buf[8192];
  unsigned long received = 0;
  int ok = 1;
  for (;;) {
    ssize_t r = read(fd, buf, sizeof buf);
    if (r < 0) {
      if (errno == EINTR) continue;
      return fail("stream", port, "read");
    }
    if (r == 0) break;
    for (ssize_t i = 0; i < r; i++) {
      if (buf[i] != next_byte(&state)) ok = 0;
    }
    received += r;
  }
  int status = 0;
  waitpid(child, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) ok = 0;
  close(fd);
  printf("RESULT stream port=%u sent=%lu received=%lu ok=%d\n", port, bytes,
         received, ok && received == bytes);
  fflush(stdout);
  return 0;
}

static int flood(unsigned port) {
  int fd = connect_host(port);
  if (fd < 0) return fail("flood", port, "connect");
  printf("FLOODING port=%u\n", port);
  fflush(stdout);
  unsigned char buf[8192];
  memset(buf, 0x5a, sizeof buf);
  for (;;) {
    if (write(fd, buf, sizeof buf) < 0) return fail("flood", port, "write");
  }
}

static int listen_echo(unsigned port) {
  int fd = socket(AF_VSOCK, SOCK_STREAM, 0);
  struct sockaddr_vm addr = {0};
  addr.svm_family = AF_VSOCK;
  addr.svm_cid = VMADDR_CID_ANY;
  addr.svm_port = port;
  if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0 ||
      listen(fd, 1) < 0)
    return fail("listen", port, "listen");
  printf("LISTENING port=%u\n", port);
  fflush(stdout);
  int conn = accept(fd, NULL, NULL);
  if (conn < 0) return fail("listen", port, "accept");
  unsigned char buf[8192];
  unsigned long echoed = 0;
  for (;;) {
    ssize_t r = read(conn, buf, sizeof buf);
    if (r < 0) return fail("listen", port, "read");
    if (r == 0) break;
    ssize_t off = 0;
    while (off < r) {
      ssize_t w = write(conn, buf + off, r - off);
      if (w < 0) return fail("listen", port, "write");
      off += w;
    }
    echoed += r;
  }
  close(conn);
  printf("RESULT listen port=%u echoed=%lu ok=1\n", port, echoed);
  fflush(stdout);
  return 0;
}

static int send_zeros(int fd, unsigned long bytes) {
  static unsigned char buf[65536];
  unsigned long sent = 0;
  while (sent < bytes) {
    size_t n = bytes - sent < sizeof buf ? bytes - sent : sizeof buf;
    ssize_t w = write(fd, buf, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    sent += w;
  }
  return 0;
}

static int send_to(unsigned port, unsigned long bytes) {
  int fd = connect_host(port);
  if (fd < 0) return fail("send", port, "connect");
  if (send_zeros(fd, bytes) < 0) return fail("send", port, "write");
  close(fd);
  printf("RESULT send port=%u sent=%lu ok=1\n", port, bytes);
  fflush(stdout);
  return 0;
}

static int write_file(const char *path, unsigned long bytes) {
  int fd = open(path, O_WRONLY);
  if (fd < 0) return fail("write", 0, "open");
  if (send_zeros(fd, bytes) < 0) return fail("write", 0, "write");
  close(fd);
  printf("RESULT write sent=%lu ok=1\n", bytes);
  fflush(stdout);
  return 0;
}

int main(int argc, char **argv) {
  signal(SIGPIPE, SIG_IGN);
  if (argc == 5 && strcmp(argv[1], "stream") == 0)
    return stream(strtoul(argv[2], NULL, 10), strtoul(argv[3], NULL, 10),
                  strtoul(argv[4], NULL, 10));
  if (argc == 3 && strcmp(argv[1], "flood") == 0)
    return flood(strtoul(argv[2], NULL, 10));
  if (argc == 3 && strcmp(argv[1], "listen") == 0)
    return listen_echo(strtoul(argv[2], NULL, 10));
  if (argc == 4 && strcmp(argv[1], "send") == 0)
    return send_to(strtoul(argv[2], NULL, 10), strtoul(argv[3], NULL, 10));
  if (argc == 4 && strcmp(argv[1], "write") == 0)
    return write_file(argv[2], strtoul(argv[3], NULL, 10));
  fprintf(stderr, "usage: vsock_peer stream PORT BYTES SEED | flood PORT | "
                  "listen PORT | send PORT BYTES | write PATH BYTES\n");
  return 2;
}
