/*
 * Native endpoints for bench/egress.ts, so that the client and the servers are not what the
 * egress benchmark measures (a Node client or sink costs as much per byte as the proxy does).
 * Loopback only; every loop is bounded by its arguments.
 *
 *   egress-probe serve
 *       echo server and byte sink on 127.0.0.1; prints {"echo":P,"sink":Q}; ends on stdin EOF.
 *       The sink reads until EOF, answers the 8-byte count of what it read, and closes.
 *   egress-probe setup ECHO N ROUTE...
 *       N rounds; each round opens one connection per ROUTE (0 = direct, else a proxy port to
 *       CONNECT through; round i starts at route i mod the number of routes) and times socket()
 *       until one byte came back from the echo server.
 *       Prints one line per ROUTE: the N times in microseconds.
 *   egress-probe proxy
 *       the smallest CONNECT proxy this host can run (one thread, epoll, nonblocking, IP-literal
 *       targets only, no policy, no events): the floor a proxy's added setup time is read against.
 *       Prints {"proxy":P}; ends on stdin EOF.
 *   egress-probe stream SINK BYTES CHUNK ROUTE
 *       one connection (direct or through the proxy at ROUTE) writes BYTES in writes of CHUNK
 *       bytes, half-closes and waits for the sink's count. Prints the seconds from the first
 *       write until the count arrived (the count is checked).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what) {
  perror(what);
  exit(1);
}

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int listen_any(int *port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) die("socket");
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0) die("bind");
  if (listen(fd, 1024) < 0) die("listen");
  socklen_t len = sizeof a;
  getsockname(fd, (struct sockaddr *)&a, &len);
  *port = ntohs(a.sin_port);
  return fd;
}

static void write_all(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      die("write");
    }
    p += w;
    n -= (size_t)w;
  }
}

/* ---- servers ---- */

static void *sink_conn(void *arg) {
  int fd = (int)(intptr_t)arg;
  size_t cap = 4 << 20;
  char *buf = malloc(cap);
  uint64_t seen = 0;
  for (;;) {
    ssize_t r = read(fd, buf, cap);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    seen += (uint64_t)r;
  }
  unsigned char count[8];
  for (int i = 0; i < 8; i++) count[i] = (unsigned char)(seen >> (56 - 8 * i));
  (void)!write(fd, count, 8);
  close(fd);
  free(buf);
  return NULL;
}

static void *sink_accept(void *arg) {
  int lfd = (int)(intptr_t)arg;
  for (;;) {
    int fd = accept(lfd, NULL, NULL);
    if (fd < 0) continue;
    pthread_t t;
    pthread_create(&t, NULL, sink_conn, (void *)(intptr_t)fd);
    pthread_detach(t);
  }
  return NULL;
}

static void *stdin_watch(void *arg) {
  (void)arg;
  char c;
  while (read(0, &c, 1) > 0) {
  }
  exit(0);
}

static _Noreturn void serve(void) {
  int echo_port, sink_port;
  int efd_listen = listen_any(&echo_port);
  int sfd_listen = listen_any(&sink_port);
  printf("{\"echo\":%d,\"sink\":%d}\n", echo_port, sink_port);
  fflush(stdout);
  pthread_t t;
  pthread_create(&t, NULL, sink_accept, (void *)(intptr_t)sfd_listen);
  pthread_create(&t, NULL, stdin_watch, NULL);
  /* Echo: one epoll loop; sequential setup connections never need more. */
  int ep = epoll_create1(0);
  struct epoll_event ev = {.events = EPOLLIN, .data.fd = efd_listen};
  epoll_ctl(ep, EPOLL_CTL_ADD, efd_listen, &ev);
  char buf[65536];
  struct epoll_event events[64];
  for (;;) {
    int n = epoll_wait(ep, events, 64, -1);
    for (int i = 0; i < n; i++) {
      int fd = events[i].data.fd;
      if (fd == efd_listen) {
        int c = accept(efd_listen, NULL, NULL);
        if (c < 0) continue;
        int one = 1;
        setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        struct epoll_event cev = {.events = EPOLLIN, .data.fd = c};
        epoll_ctl(ep, EPOLL_CTL_ADD, c, &cev);
        continue;
      }
      ssize_t r = read(fd, buf, sizeof buf);
      if (r <= 0) {
        epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
        close(fd);
        continue;
      }
      (void)!write(fd, buf, (size_t)r);
    }
  }
}

/* ---- floor proxy ---- */

/* One tunnel: two ends, each registered in epoll with a pointer to its end. */
struct tunnel;
struct end {
  struct tunnel *t;
  int fd;
  int eof;    /* read returned 0: the other end was half-closed */
  int parked; /* a client that spoke while its tunnel was dialled: not polled until it opens */
};
struct tunnel {
  struct end client, server;
  int state; /* 0: reading the CONNECT head, 1: dialling, 2: open, 3: closed */
  struct tunnel *next_closed;
  size_t got;
  char head[2048];
};

static int proxy_ep;
/* Closed in this batch of events: freed after it, so that later events of the batch can see it. */
static struct tunnel *closed;

static void tunnel_close(struct tunnel *t) {
  if (t->client.fd >= 0) close(t->client.fd);
  if (t->server.fd >= 0) close(t->server.fd);
  t->state = 3;
  t->next_closed = closed;
  closed = t;
}

/* Writes all of p to a nonblocking fd, waiting in poll when its buffer is full. */
static int write_nb(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {
        struct pollfd pfd = {.fd = fd, .events = POLLOUT};
        poll(&pfd, 1, -1);
        continue;
      }
      return -1;
    }
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

static void proxy_head(struct tunnel *t) {
  ssize_t r = read(t->client.fd, t->head + t->got, sizeof t->head - 1 - t->got);
  if (r < 0 && errno == EAGAIN) return;
  if (r <= 0) {
    tunnel_close(t);
    return;
  }
  t->got += (size_t)r;
  t->head[t->got] = 0;
  if (!strstr(t->head, "\r\n\r\n")) {
    if (t->got == sizeof t->head - 1) tunnel_close(t);
    return;
  }
  char host[64];
  int port;
  if (sscanf(t->head, "CONNECT %63[0-9.]:%d ", host, &port) != 2) {
    tunnel_close(t);
    return;
  }
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  if (inet_pton(AF_INET, host, &a.sin_addr) != 1) {
    tunnel_close(t);
    return;
  }
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    tunnel_close(t);
    return;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  t->server.fd = fd;
  t->state = 1;
  if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0 && errno != EINPROGRESS) {
    tunnel_close(t);
    return;
  }
  struct epoll_event ev = {.events = EPOLLOUT, .data.ptr = &t->server};
  epoll_ctl(proxy_ep, EPOLL_CTL_ADD, fd, &ev);
}

static void proxy_connected(struct tunnel *t) {
  int err = 0;
  socklen_t len = sizeof err;
  getsockopt(t->server.fd, SOL_SOCKET, SO_ERROR, &err, &len);
  if (err != 0) {
    tunnel_close(t);
    return;
  }
  static const char ok[] = "HTTP/1.1 200 Connection Established\r\n\r\n";
  if (write_nb(t->client.fd, ok, sizeof ok - 1) < 0) {
    tunnel_close(t);
    return;
  }
  t->state = 2;
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &t->server};
  epoll_ctl(proxy_ep, EPOLL_CTL_MOD, t->server.fd, &ev);
  if (t->client.parked) {
    struct epoll_event cev = {.events = EPOLLIN, .data.ptr = &t->client};
    epoll_ctl(proxy_ep, EPOLL_CTL_MOD, t->client.fd, &cev);
  }
}

/* The client is readable while its tunnel is dialled (bytes after the head, or EOF). */
static void proxy_park(struct end *client) {
  struct epoll_event ev = {.events = 0, .data.ptr = client};
  epoll_ctl(proxy_ep, EPOLL_CTL_MOD, client->fd, &ev);
  client->parked = 1;
}

static void proxy_move(struct end *from, char *buf, size_t cap) {
  struct tunnel *t = from->t;
  struct end *to = from == &t->client ? &t->server : &t->client;
  ssize_t r = read(from->fd, buf, cap);
  if (r < 0 && errno == EAGAIN) return;
  if (r < 0 || (r > 0 && write_nb(to->fd, buf, (size_t)r) < 0)) {
    tunnel_close(t);
    return;
  }
  if (r > 0) return;
  from->eof = 1;
  epoll_ctl(proxy_ep, EPOLL_CTL_DEL, from->fd, NULL);
  shutdown(to->fd, SHUT_WR);
  if (to->eof) tunnel_close(t);
}

static _Noreturn void proxy(void) {
  int port;
  int lfd = listen_any(&port);
  printf("{\"proxy\":%d}\n", port);
  fflush(stdout);
  pthread_t watch;
  pthread_create(&watch, NULL, stdin_watch, NULL);
  proxy_ep = epoll_create1(0);
  static struct end listener = {.fd = -1};
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &listener};
  epoll_ctl(proxy_ep, EPOLL_CTL_ADD, lfd, &ev);
  static char buf[1 << 20];
  struct epoll_event events[64];
  for (;;) {
    int n = epoll_wait(proxy_ep, events, 64, -1);
    for (int i = 0; i < n; i++) {
      struct end *e = events[i].data.ptr;
      if (e == &listener) {
        int c = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);
        if (c < 0) continue;
        int one = 1;
        setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        struct tunnel *t = calloc(1, sizeof *t);
        t->client = (struct end){.t = t, .fd = c};
        t->server = (struct end){.t = t, .fd = -1};
        struct epoll_event cev = {.events = EPOLLIN, .data.ptr = &t->client};
        epoll_ctl(proxy_ep, EPOLL_CTL_ADD, c, &cev);
        continue;
      }
      struct tunnel *t = e->t;
      if (t->state == 0) proxy_head(t);
      else if (t->state == 1 && e == &t->client) proxy_park(e);
      else if (t->state == 1) proxy_connected(t);
      else if (t->state == 2) proxy_move(e, buf, sizeof buf);
    }
    while (closed != NULL) {
      struct tunnel *t = closed;
      closed = t->next_closed;
      free(t);
    }
  }
}

/* ---- clients ---- */

static int dial(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) die("socket");
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) die("connect");
  return fd;
}

/* A connection to 127.0.0.1:target, straight (proxy 0) or through the proxy's CONNECT tunnel. */
static int open_route(int target, int proxy) {
  if (proxy == 0) return dial(target);
  int fd = dial(proxy);
  char req[128];
  int len = snprintf(req, sizeof req, "CONNECT 127.0.0.1:%d HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n", target,
                     target);
  write_all(fd, req, (size_t)len);
  char head[1024];
  size_t got = 0;
  for (;;) {
    ssize_t r = read(fd, head + got, sizeof head - 1 - got);
    if (r <= 0) die("proxy closed during CONNECT");
    got += (size_t)r;
    head[got] = 0;
    if (strstr(head, "\r\n\r\n")) break;
    if (got == sizeof head - 1) die("proxy answer too long");
  }
  if (strncmp(head, "HTTP/1.1 200", 12) != 0) {
    fprintf(stderr, "proxy answered: %s\n", head);
    exit(1);
  }
  /* The tunnel carries nothing before the client speaks, so nothing follows the head here. */
  return fd;
}

static int setup(int echo, int rounds, int nroutes, int *routes) {
  double *samples = malloc(sizeof(double) * (size_t)rounds * (size_t)nroutes);
  for (int i = 0; i < rounds; i++) {
    /* Each round starts at another route, so that every route follows every other equally often:
       a proxy still tearing down the previous connection competes with whichever route is next. */
    for (int k = 0; k < nroutes; k++) {
      int r = (i + k) % nroutes;
      double t0 = now_us();
      int fd = open_route(echo, routes[r]);
      write_all(fd, "x", 1);
      char c;
      if (read(fd, &c, 1) != 1) die("echo");
      samples[(size_t)r * (size_t)rounds + (size_t)i] = now_us() - t0;
      close(fd);
    }
  }
  for (int r = 0; r < nroutes; r++) {
    for (int i = 0; i < rounds; i++) printf(i ? " %.1f" : "%.1f", samples[(size_t)r * (size_t)rounds + (size_t)i]);
    printf("\n");
  }
  return 0;
}

static int stream(int sink, uint64_t total, size_t chunk, int proxy) {
  int fd = open_route(sink, proxy);
  char *buf = malloc(chunk);
  memset(buf, 'a', chunk);
  double t0 = now_us();
  uint64_t sent = 0;
  while (sent < total) {
    size_t n = total - sent < chunk ? (size_t)(total - sent) : chunk;
    ssize_t w = write(fd, buf, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      die("write");
    }
    sent += (uint64_t)w;
  }
  shutdown(fd, SHUT_WR);
  unsigned char count[8];
  size_t got = 0;
  while (got < 8) {
    ssize_t r = read(fd, count + got, 8 - got);
    if (r <= 0) die("sink count");
    got += (size_t)r;
  }
  double seconds = (now_us() - t0) / 1e6;
  uint64_t seen = 0;
  for (int i = 0; i < 8; i++) seen = (seen << 8) | count[i];
  if (seen != total) {
    fprintf(stderr, "sink saw %llu of %llu bytes\n", (unsigned long long)seen, (unsigned long long)total);
    return 1;
  }
  printf("%.6f\n", seconds);
  close(fd);
  return 0;
}

int main(int argc, char **argv) {
  signal(SIGPIPE, SIG_IGN);
  if (argc >= 2 && strcmp(argv[1], "serve") == 0) serve();
  if (argc >= 2 && strcmp(argv[1], "proxy") == 0) proxy();
  if (argc >= 5 && strcmp(argv[1], "setup") == 0) {
    int nroutes = argc - 4;
    int *routes = malloc(sizeof(int) * (size_t)nroutes);
    for (int i = 0; i < nroutes; i++) routes[i] = atoi(argv[4 + i]);
    return setup(atoi(argv[2]), atoi(argv[3]), nroutes, routes);
  }
  if (argc == 6 && strcmp(argv[1], "stream") == 0)
    return stream(atoi(argv[2]), strtoull(argv[3], NULL, 10), (size_t)strtoull(argv[4], NULL, 10), atoi(argv[5]));
  fprintf(stderr, "usage: egress-probe serve | proxy | setup ECHO N ROUTE... | stream SINK BYTES CHUNK ROUTE\n");
  return 2;
}
