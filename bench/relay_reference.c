/*
 * The physical reference for bench/relay_bench.ts, plus its load tools,
 * over UNIX stream sockets. One binary, one mode per invocation:
 *
 *   relay LISTEN UPSTREAM   minimal splice relay: per connection a child
 *                           process, one thread per direction, blocking
 *                           splice socket -> pipe -> socket, shutdown on EOF
 *   sink LISTEN             per connection: read to EOF, answer the count
 *                           (8 bytes, little-endian), close
 *   echo LISTEN             per connection: write back what is read
 *   source PATH BYTES       send BYTES, half-close, wait for the sink's
 *                           count; prints seconds elapsed
 *   pingpong PATH N SIZE    N round trips of SIZE bytes through an echo;
 *                           prints mean microseconds per round trip
 *
 * Servers run until killed. Errors print one line and exit 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PIPE_BYTES (256 * 1024)

static void die(const char *what) {
  fprintf(stderr, "relay_reference: %s: %s\n", what, strerror(errno));
  exit(1);
}

static struct sockaddr_un address_of(const char *path) {
  struct sockaddr_un address = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof address.sun_path) {
    errno = ENAMETOOLONG;
    die(path);
  }
  strcpy(address.sun_path, path);
  return address;
}

static int listen_on(const char *path) {
  struct sockaddr_un address = address_of(path);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) die("socket");
  if (bind(fd, (struct sockaddr *)&address, sizeof address) < 0) die(path);
  if (listen(fd, 128) < 0) die("listen");
  return fd;
}

static int connect_to(const char *path) {
  struct sockaddr_un address = address_of(path);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) die("socket");
  if (connect(fd, (struct sockaddr *)&address, sizeof address) < 0) die(path);
  return fd;
}

static double now_seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

static void write_all(int fd, const char *bytes, size_t length) {
  while (length > 0) {
    ssize_t n = write(fd, bytes, length);
    if (n < 0) {
      if (errno == EINTR) continue;
      die("write");
    }
    bytes += n;
    length -= (size_t)n;
  }
}

struct direction {
  int from, to;
};

static void *pump(void *argument) {
  struct direction *d = argument;
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) < 0) die("pipe2");
  fcntl(pipe_fds[1], F_SETPIPE_SZ, PIPE_BYTES);
  for (;;) {
    ssize_t in = splice(d->from, NULL, pipe_fds[1], NULL, PIPE_BYTES,
                        SPLICE_F_MOVE);
    if (in <= 0) break;
    while (in > 0) {
      ssize_t out = splice(pipe_fds[0], NULL, d->to, NULL, (size_t)in,
                           SPLICE_F_MOVE);
      if (out <= 0) return NULL;
      in -= out;
    }
  }
  shutdown(d->to, SHUT_WR);
  return NULL;
}

/* Accepts forever; each connection is served by `serve` in a child. */
static void serve_forever(int listener, void (*serve)(int, void *),
                          void *context) {
  signal(SIGCHLD, SIG_IGN);
  for (;;) {
    int fd = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR) continue;
      die("accept4");
    }
    pid_t child = fork();
    if (child < 0) die("fork");
    if (child == 0) {
      close(listener);
      serve(fd, context);
      _exit(0);
    }
    close(fd);
  }
}

static void serve_relay(int client, void *upstream_path) {
  int upstream = connect_to(upstream_path);
  struct direction up = {client, upstream}, down = {upstream, client};
  pthread_t thread;
  if (pthread_create(&thread, NULL, pump, &up) != 0) die("pthread_create");
  pump(&down);
  pthread_join(thread, NULL);
}

static void serve_sink(int fd, void *unused) {
  (void)unused;
  static char buffer[1 << 20];
  uint64_t total = 0;
  for (;;) {
    ssize_t n = read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) die("read");
    if (n == 0) break;
    total += (uint64_t)n;
  }
  write_all(fd, (const char *)&total, sizeof total);
}

static void serve_echo(int fd, void *unused) {
  (void)unused;
  static char buffer[1 << 16];
  for (;;) {
    ssize_t n = read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    write_all(fd, buffer, (size_t)n);
  }
}

static void read_exact(int fd, char *into, size_t length) {
  while (length > 0) {
    ssize_t n = read(fd, into, length);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) die("read");
    if (n == 0) {
      fprintf(stderr, "relay_reference: connection ended early\n");
      exit(1);
    }
    into += n;
    length -= (size_t)n;
  }
}

static int source(const char *path, uint64_t bytes) {
  static char buffer[1 << 20];
  memset(buffer, 0x5a, sizeof buffer);
  double started = now_seconds();
  int fd = connect_to(path);
  for (uint64_t left = bytes; left > 0;) {
    size_t chunk = left < sizeof buffer ? (size_t)left : sizeof buffer;
    write_all(fd, buffer, chunk);
    left -= chunk;
  }
  shutdown(fd, SHUT_WR);
  uint64_t counted = 0;
  read_exact(fd, (char *)&counted, sizeof counted);
  double elapsed = now_seconds() - started;
  if (counted != bytes) {
    fprintf(stderr, "relay_reference: sink counted %llu of %llu bytes\n",
            (unsigned long long)counted, (unsigned long long)bytes);
    return 1;
  }
  printf("%.6f\n", elapsed);
  return 0;
}

static int pingpong(const char *path, long rounds, size_t size) {
  char *message = calloc(1, size), *answer = malloc(size);
  if (!message || !answer) die("malloc");
  int fd = connect_to(path);
  /* One warm-up round trip: connection setup is not latency. */
  write_all(fd, message, size);
  read_exact(fd, answer, size);
  double started = now_seconds();
  for (long i = 0; i < rounds; i++) {
    message[0] = (char)i;
    write_all(fd, message, size);
    read_exact(fd, answer, size);
    if (answer[0] != message[0]) {
      fprintf(stderr, "relay_reference: echo mismatch\n");
      return 1;
    }
  }
  printf("%.3f\n", (now_seconds() - started) * 1e6 / (double)rounds);
  return 0;
}

int main(int argc, char **argv) {
  signal(SIGPIPE, SIG_IGN);
  if (argc == 4 && strcmp(argv[1], "relay") == 0) {
    serve_forever(listen_on(argv[2]), serve_relay, argv[3]);
  } else if (argc == 3 && strcmp(argv[1], "sink") == 0) {
    serve_forever(listen_on(argv[2]), serve_sink, NULL);
  } else if (argc == 3 && strcmp(argv[1], "echo") == 0) {
    serve_forever(listen_on(argv[2]), serve_echo, NULL);
  } else if (argc == 4 && strcmp(argv[1], "source") == 0) {
    return source(argv[2], strtoull(argv[3], NULL, 10));
  } else if (argc == 5 && strcmp(argv[1], "pingpong") == 0) {
    return pingpong(argv[2], atol(argv[3]), (size_t)atol(argv[4]));
  }
  fprintf(stderr,
          "usage: relay_reference relay LISTEN UPSTREAM | sink LISTEN | "
          "echo LISTEN | source PATH BYTES | pingpong PATH N SIZE\n");
  return 2;
}
