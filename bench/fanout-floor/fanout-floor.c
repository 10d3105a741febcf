/*
 * The machine's floor under market-data fan-out, without Node and without our code: one sender process holds N
 * accepted loopback TCP connections and writes one WebSocket-framed `[msg,msg,...]` frame to each of them per
 * window; R receiver processes hold the client ends, read with epoll and record each message's latency from the
 * timestamp in it. Both sides report their own CPU (getrusage, user + sys) over the measured seconds, so the cost
 * of a frame (the sender's write, which on loopback also runs the receiver's TCP processing in softirq, and the
 * receiver's read) is known per frame, independent of any runtime. bench/fanout-floor/run.ts drives the grid.
 *
 * Each message's `ts` is its arrival time, drawn uniformly over the window before the frame was built, so the
 * latency recorded is what a client of a batching server sees: the wait for the window to close plus the wait
 * for its frame's turn in the flush plus the kernel and the receiver.
 *
 * Output: one JSON line on stdout.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/errqueue.h>
#include <linux/io_uring.h>
#include <sys/syscall.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>

#ifndef SO_ZEROCOPY
#define SO_ZEROCOPY 60
#endif
#ifndef MSG_ZEROCOPY
#define MSG_ZEROCOPY 0x4000000
#endif

/* Latency histogram: 0.1 ms buckets up to 5 s; the last bucket holds everything slower. */
#define BUCKET_US 100
#define BUCKETS 50000
#define RECEIVERS_MAX 16
#define THREADS_MAX 8
#define READ_BUFFER 262144
#define TS_DIGITS 16

enum { PHASE_WARMUP = 0, PHASE_MEASURE = 1, PHASE_STOP = 2 };

typedef struct {
  volatile int connected;
  volatile int measuring;
  volatile int done;
  struct rusage ru0, ru1;
  uint64_t frames, messages, bytes, reads, wakeups;
  uint64_t histogram[BUCKETS];
} receiver_result;

typedef struct {
  volatile int phase;
  receiver_result receivers[RECEIVERS_MAX];
} shared_state;

static struct {
  int clients, messages, message_bytes, window_ms, warmup_s, measure_s, receivers, threads;
  int slots;          /* flush slots per window: 1 = burst at the window's end, >1 = clients' windows staggered */
  int zerocopy, writev_split, nodelay, buffer_bytes, use_send, uring_batch;
  const char *congestion;
  int xorshift_only;
} opt = { .clients = 10000, .messages = 10, .message_bytes = 120, .window_ms = 50, .warmup_s = 1, .measure_s = 4, .receivers = 2,
            .threads = 1, .slots = 1, .nodelay = 1 };

static shared_state *shared;
static uint16_t port;

static uint64_t now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_REALTIME, &t);
  return (uint64_t)t.tv_sec * 1000000u + (uint64_t)t.tv_nsec / 1000u;
}

static double ru_seconds(const struct rusage *a, const struct rusage *b, int sys) {
  const struct timeval *x = sys ? &a->ru_stime : &a->ru_utime, *y = sys ? &b->ru_stime : &b->ru_utime;
  return (double)(y->tv_sec - x->tv_sec) + (double)(y->tv_usec - x->tv_usec) / 1e6;
}

static void die(const char *what) {
  perror(what);
  exit(1);
}

/* ---- the frame: WebSocket text frame header, then `[` messages joined by `,` `]` ---- */

/* Offset of the ts digits inside one message, and the message's fixed layout (padded to message_bytes). */
#define MSG_PREFIX "{\"type\":\"quote\",\"symbol\":\"S0001\",\"bid\":\"123.45\",\"ask\":\"123.47\",\"bidSize\":300,\"askSize\":200,\"ts\":"
static size_t header_len(size_t payload) { return payload < 126 ? 2 : payload < 65536 ? 4 : 10; }

static size_t payload_len(void) { return 2 + (size_t)opt.messages * (size_t)opt.message_bytes + (size_t)(opt.messages - 1); }

/* Lays out the frame once; stamp_frame rewrites only the timestamps. */
static size_t layout_frame(char *frame) {
  size_t payload = payload_len(), h = header_len(payload), at = h;
  frame[0] = (char)0x81;
  if (h == 2) frame[1] = (char)payload;
  else if (h == 4) { frame[1] = 126; frame[2] = (char)(payload >> 8); frame[3] = (char)payload; }
  else { frame[1] = 127; for (int i = 0; i < 8; i++) frame[2 + i] = (char)((uint64_t)payload >> (56 - 8 * i)); }
  frame[at++] = '[';
  for (int m = 0; m < opt.messages; m++) {
    char *msg = frame + at;
    memset(msg, ' ', (size_t)opt.message_bytes);
    memcpy(msg, MSG_PREFIX, sizeof MSG_PREFIX - 1);
    memset(msg + sizeof MSG_PREFIX - 1, '0', TS_DIGITS);
    msg[opt.message_bytes - 1] = '}';
    at += (size_t)opt.message_bytes;
    frame[at++] = m + 1 < opt.messages ? ',' : ']';
  }
  return at;
}

static uint64_t rng_state = 88172645463325252ull;
static inline uint64_t xorshift(uint64_t *s) {
  uint64_t x = *s;
  x ^= x << 13; x ^= x >> 7; x ^= x << 17;
  return *s = x;
}

static void stamp_frame(char *frame, uint64_t built_us, uint64_t *rng) {
  size_t at = header_len(payload_len()) + 1;
  uint64_t window_us = (uint64_t)opt.window_ms * 1000u;
  for (int m = 0; m < opt.messages; m++) {
    uint64_t ts = built_us - xorshift(rng) % window_us;
    char *digits = frame + at + sizeof MSG_PREFIX - 1;
    for (int d = TS_DIGITS - 1; d >= 0; d--) { digits[d] = (char)('0' + ts % 10); ts /= 10; }
    at += (size_t)opt.message_bytes + 1;
  }
}

/* ---- receiver ---- */

typedef struct { int fd; uint32_t have; char *partial; } connection;

static void record(receiver_result *r, const char *frame_payload, uint64_t now) {
  const char *msg = frame_payload + 1;
  for (int m = 0; m < opt.messages; m++) {
    const char *digits = msg + sizeof MSG_PREFIX - 1;
    uint64_t ts = 0;
    for (int d = 0; d < TS_DIGITS; d++) ts = ts * 10 + (uint64_t)(digits[d] - '0');
    uint64_t bucket = now > ts ? (now - ts) / BUCKET_US : 0;
    r->histogram[bucket < BUCKETS ? bucket : BUCKETS - 1]++;
    msg += opt.message_bytes + 1;
  }
  r->messages += (uint64_t)opt.messages;
}

/* Parses whole frames out of buf[0..len); returns the bytes consumed. */
static size_t parse(receiver_result *r, const char *buf, size_t len, int measuring) {
  size_t at = 0;
  uint64_t now = 0;
  while (len - at >= 2) {
    const unsigned char *p = (const unsigned char *)buf + at;
    size_t h, payload = p[1] & 0x7f;
    if (payload < 126) h = 2;
    else if (payload == 126) { if (len - at < 4) break; h = 4; payload = (size_t)p[2] << 8 | p[3]; }
    else { if (len - at < 10) break; h = 10; payload = 0; for (int i = 0; i < 8; i++) payload = payload << 8 | p[2 + i]; }
    if (len - at < h + payload) break;
    if (measuring) {
      if (now == 0) now = now_us();
      r->frames++;
      r->bytes += h + payload;
      record(r, buf + at + h, now);
    }
    at += h + payload;
  }
  return at;
}

static void run_receiver(int index, int count) {
  receiver_result *r = &shared->receivers[index];
  connection *conns = calloc((size_t)count, sizeof *conns);
  int ep = epoll_create1(0);
  struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
  for (int i = 0; i < count; i++) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) die("receiver socket");
    if (opt.buffer_bytes) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &opt.buffer_bytes, sizeof opt.buffer_bytes);
    /* A source address per receiver keeps each one well inside the ephemeral port range. */
    struct sockaddr_in from = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000002u + (uint32_t)index) };
    if (bind(fd, (struct sockaddr *)&from, sizeof from) < 0) die("receiver bind");
    if (connect(fd, (struct sockaddr *)&to, sizeof to) < 0) die("receiver connect");
    fcntl(fd, F_SETFL, O_NONBLOCK);
    conns[i].fd = fd;
    struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &conns[i] };
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  }
  r->connected = count;
  char *buf = malloc(READ_BUFFER);
  struct epoll_event events[256];
  int measuring = 0;
  for (;;) {
    int phase = shared->phase;
    if (phase == PHASE_MEASURE && !measuring) {
      measuring = 1;
      getrusage(RUSAGE_SELF, &r->ru0);
    }
    if (phase == PHASE_STOP) {
      getrusage(RUSAGE_SELF, &r->ru1);
      r->done = 1;
      _exit(0);
    }
    int n = epoll_wait(ep, events, 256, 20);
    if (measuring) r->wakeups++;
    for (int e = 0; e < n; e++) {
      connection *c = events[e].data.ptr;
      size_t have = c->have;
      if (have) memcpy(buf, c->partial, have);
      ssize_t got = read(c->fd, buf + have, READ_BUFFER - have);
      if (got <= 0) {
        if (got < 0 && errno == EAGAIN) continue;
        _exit(2); /* the sender went away */
      }
      if (measuring) r->reads++;
      size_t len = have + (size_t)got, used = parse(r, buf, len, measuring);
      c->have = (uint32_t)(len - used);
      if (c->have) {
        c->partial = realloc(c->partial, c->have);
        memcpy(c->partial, buf + used, c->have);
      }
    }
  }
}

/* ---- sender ---- */

typedef struct { int fd; uint32_t pending_len, pending_at; char *pending; uint64_t zc_sent; } sink;

typedef struct {
  int first, count;
  sink *sinks;
  pthread_t thread;
  uint64_t frames, dropped, partial, flush_us_total, flush_us_max, windows, zc_reaps, zc_copied;
} sender_thread;

static sink *sinks;

static void reap_zerocopy(sender_thread *t, sink *s) {
  char control[128];
  for (;;) {
    struct msghdr msg = { .msg_control = control, .msg_controllen = sizeof control };
    if (recvmsg(s->fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT) < 0) return;
    t->zc_reaps++;
    for (struct cmsghdr *cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
      struct sock_extended_err *err = (struct sock_extended_err *)CMSG_DATA(cm);
      if (err->ee_origin == SO_EE_ORIGIN_ZEROCOPY && (err->ee_code & SO_EE_CODE_ZEROCOPY_COPIED)) t->zc_copied++;
    }
  }
}

/* Writes what is left of a partial frame; returns 1 when the socket is clear for the next frame. */
static int drain(sender_thread *t, sink *s) {
  (void)t;
  while (s->pending_at < s->pending_len) {
    ssize_t n = write(s->fd, s->pending + s->pending_at, s->pending_len - s->pending_at);
    if (n < 0) return 0;
    s->pending_at += (uint32_t)n;
  }
  return 1;
}

/* A frame the socket took only part of: the rest waits in the sink, drained before its next frame. */
static void keep_unwritten(sender_thread *t, sink *s, const char *frame, size_t len, size_t written, int measuring) {
  if (written < len) {
    if (measuring) t->partial++;
    s->pending = realloc(s->pending, len - written);
    memcpy(s->pending, frame + written, len - written);
    s->pending_len = (uint32_t)(len - written);
    s->pending_at = 0;
  }
  if (measuring) t->frames++;
}

static void write_frame(sender_thread *t, sink *s, const char *frame, size_t len, size_t h, int measuring) {
  if (s->pending_at < s->pending_len && !drain(t, s)) {
    if (measuring) t->dropped++;
    return;
  }
  ssize_t n;
  if (opt.writev_split) {
    /* The shape a server writes when each client's header is built apart from a shared payload. */
    struct iovec iov[2] = { { (void *)frame, h }, { (void *)(frame + h), len - h } };
    n = writev(s->fd, iov, 2);
  } else if (opt.zerocopy) {
    n = send(s->fd, frame, len, MSG_ZEROCOPY | MSG_DONTWAIT);
    if (n >= 0) s->zc_sent++;
    if ((s->zc_sent & 7) == 0) reap_zerocopy(t, s);
  } else if (opt.use_send) {
    /* send() goes straight to the socket, skipping vfs_write and the file position lock that write() takes. */
    n = send(s->fd, frame, len, MSG_DONTWAIT);
  } else {
    n = write(s->fd, frame, len);
  }
  if (n < 0) n = 0;
  keep_unwritten(t, s, frame, len, (size_t)n, measuring);
}

/*
 * io_uring: one io_uring_enter submits a batch of sends on registered descriptors, so a frame pays the TCP work
 * and not a syscall entry, an fd lookup and the VFS write path of its own. Only the floor can do this: libuv
 * writes sockets with write(2)/writev(2).
 */
typedef struct {
  int fd;
  unsigned *sq_tail, *sq_mask, *sq_array, *cq_head, *cq_tail, *cq_mask, entries;
  struct io_uring_sqe *sqes;
  struct io_uring_cqe *cqes;
} uring;

static void uring_init(uring *u, unsigned entries, const sink *s, int count) {
  struct io_uring_params p = { 0 };
  u->fd = (int)syscall(__NR_io_uring_setup, entries, &p);
  if (u->fd < 0) die("io_uring_setup");
  size_t sq_size = p.sq_off.array + p.sq_entries * sizeof(unsigned), cq_size = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
  if (cq_size > sq_size) sq_size = cq_size;
  char *sq = mmap(NULL, sq_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, u->fd, IORING_OFF_SQ_RING);
  if (sq == MAP_FAILED) die("mmap sq");
  char *cq = (p.features & IORING_FEAT_SINGLE_MMAP) ? sq : mmap(NULL, cq_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, u->fd, IORING_OFF_CQ_RING);
  u->sqes = mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, u->fd, IORING_OFF_SQES);
  if (u->sqes == MAP_FAILED) die("mmap sqes");
  u->sq_tail = (unsigned *)(sq + p.sq_off.tail);
  u->sq_mask = (unsigned *)(sq + p.sq_off.ring_mask);
  u->sq_array = (unsigned *)(sq + p.sq_off.array);
  u->cq_head = (unsigned *)(cq + p.cq_off.head);
  u->cq_tail = (unsigned *)(cq + p.cq_off.tail);
  u->cq_mask = (unsigned *)(cq + p.cq_off.ring_mask);
  u->cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
  u->entries = p.sq_entries;
  int *fds = malloc((size_t)count * sizeof *fds);
  for (int i = 0; i < count; i++) fds[i] = s[i].fd;
  if (syscall(__NR_io_uring_register, u->fd, IORING_REGISTER_FILES, fds, count) < 0) die("io_uring_register");
  free(fds);
}

/* Sends frame to sinks [from, to) in batches of the ring's size; a short send leaves the rest pending. */
static void uring_flush(sender_thread *t, uring *u, int from, int to, const char *frame, size_t len, int measuring) {
  while (from < to) {
    unsigned tail = *u->sq_tail, queued = 0;
    for (; from < to && queued < u->entries; from++) {
      sink *s = &t->sinks[from];
      if (s->pending_at < s->pending_len && !drain(t, s)) {
        if (measuring) t->dropped++;
        continue;
      }
      unsigned index = (tail + queued) & *u->sq_mask;
      struct io_uring_sqe *sqe = &u->sqes[index];
      memset(sqe, 0, sizeof *sqe);
      sqe->opcode = IORING_OP_SEND;
      sqe->flags = IOSQE_FIXED_FILE;
      sqe->fd = from;
      sqe->addr = (uint64_t)(uintptr_t)frame;
      sqe->len = (uint32_t)len;
      sqe->msg_flags = MSG_DONTWAIT;
      sqe->user_data = (uint64_t)from;
      u->sq_array[index] = index;
      queued++;
    }
    if (!queued) return;
    __atomic_store_n(u->sq_tail, tail + queued, __ATOMIC_RELEASE);
    if (syscall(__NR_io_uring_enter, u->fd, queued, queued, IORING_ENTER_GETEVENTS, NULL, 0) < 0) die("io_uring_enter");
    unsigned head = *u->cq_head, end = __atomic_load_n(u->cq_tail, __ATOMIC_ACQUIRE);
    for (; head != end; head++) {
      struct io_uring_cqe *cqe = &u->cqes[head & *u->cq_mask];
      sink *s = &t->sinks[cqe->user_data];
      keep_unwritten(t, s, frame, len, cqe->res < 0 ? 0 : (size_t)cqe->res, measuring);
    }
    __atomic_store_n(u->cq_head, head, __ATOMIC_RELEASE);
  }
}

static void sleep_until_us(uint64_t at) {
  struct timespec t = { (time_t)(at / 1000000u), (long)(at % 1000000u) * 1000 };
  clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &t, NULL);
}

static void *run_sender(void *arg) {
  sender_thread *t = arg;
  /* Two frames alternate: with MSG_ZEROCOPY the kernel may still read last window's pages. */
  size_t cap = header_len(payload_len()) + payload_len();
  char *frames[2] = { malloc(cap), malloc(cap) };
  size_t len = layout_frame(frames[0]);
  layout_frame(frames[1]);
  size_t h = header_len(payload_len());
  uint64_t rng = rng_state ^ ((uint64_t)t->first + 1) * 0x9e3779b97f4a7c15ull;
  uint64_t window_us = (uint64_t)opt.window_ms * 1000u, slot_us = window_us / (uint64_t)opt.slots;
  uint64_t next = (now_us() / window_us + 1) * window_us;
  uring u = { 0 };
  if (opt.uring_batch) uring_init(&u, (unsigned)opt.uring_batch, t->sinks, t->count);
  for (uint64_t w = 0;; w++) {
    int phase = shared->phase;
    if (phase == PHASE_STOP) break;
    int measuring = phase == PHASE_MEASURE;
    uint64_t flush_us = 0;
    for (int slot = 0; slot < opt.slots; slot++) {
      sleep_until_us(next);
      next += slot_us;
      uint64_t started = now_us();
      char *frame = frames[(w * (uint64_t)opt.slots + (uint64_t)slot) & 1];
      stamp_frame(frame, started, &rng);
      int from = t->count * slot / opt.slots, to = t->count * (slot + 1) / opt.slots;
      if (opt.uring_batch) uring_flush(t, &u, from, to, frame, len, measuring);
      else for (int i = from; i < to; i++) write_frame(t, &t->sinks[i], frame, len, h, measuring);
      flush_us += now_us() - started;
      uint64_t now = now_us();
      if (now > next) next = now; /* a flush longer than its slot stretches the window rather than piling up */
    }
    if (measuring) {
      t->windows++;
      t->flush_us_total += flush_us;
      if (flush_us > t->flush_us_max) t->flush_us_max = flush_us;
    }
  }
  return NULL;
}

/* ---- reference: the brief's fixed xorshift loop, ns per step ---- */

/* Per step in wall time and in this process's CPU time: the second holds when neighbours take the core away. */
static void xorshift_reference(void) {
  uint64_t s = 88172645463325252ull, steps = 200000000ull;
  struct timespec a, b, ca, cb;
  clock_gettime(CLOCK_MONOTONIC, &a);
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ca);
  for (uint64_t i = 0; i < steps; i++) xorshift(&s);
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cb);
  clock_gettime(CLOCK_MONOTONIC, &b);
  __asm__ volatile("" : : "r"(s));
  printf("{\"xorshiftNsPerStep\":%.3f,\"xorshiftCpuNsPerStep\":%.3f}\n",
         ((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec)) / (double)steps,
         ((double)(cb.tv_sec - ca.tv_sec) * 1e9 + (double)(cb.tv_nsec - ca.tv_nsec)) / (double)steps);
}

static void usage(void) {
  fprintf(stderr, "fanout-floor [-n clients] [-m messages/frame] [-b bytes/message] [-w window ms] [-u warmup s] [-s measure s]\n"
                  "             [-r receiver procs] [-t sender threads] [-p flush slots/window] [-z zerocopy] [-v writev]\n"
                  "             [-N 0|1 nodelay] [-B socket buffer bytes] [-S send() not write()] [-C congestion control]\n"
                  "             [-U io_uring batch size]\n"
                  "             [-X xorshift reference only]\n");
  exit(1);
}

int main(int argc, char **argv) {
  int c;
  while ((c = getopt(argc, argv, "n:m:b:w:u:s:r:t:p:zvN:B:XSC:U:")) != -1) {
    switch (c) {
      case 'n': opt.clients = atoi(optarg); break;
      case 'm': opt.messages = atoi(optarg); break;
      case 'b': opt.message_bytes = atoi(optarg); break;
      case 'w': opt.window_ms = atoi(optarg); break;
      case 'u': opt.warmup_s = atoi(optarg); break;
      case 's': opt.measure_s = atoi(optarg); break;
      case 'r': opt.receivers = atoi(optarg); break;
      case 't': opt.threads = atoi(optarg); break;
      case 'p': opt.slots = atoi(optarg); break;
      case 'z': opt.zerocopy = 1; break;
      case 'v': opt.writev_split = 1; break;
      case 'N': opt.nodelay = atoi(optarg); break;
      case 'B': opt.buffer_bytes = atoi(optarg); break;
      case 'X': opt.xorshift_only = 1; break;
      case 'S': opt.use_send = 1; break;
      case 'U': opt.uring_batch = atoi(optarg); break;
      case 'C': opt.congestion = optarg; break;
      default: usage();
    }
  }
  if (opt.xorshift_only) {
    xorshift_reference();
    return 0;
  }
  if (opt.receivers < 1 || opt.receivers > RECEIVERS_MAX || opt.threads < 1 || opt.threads > THREADS_MAX || opt.slots < 1
      || opt.message_bytes < (int)sizeof MSG_PREFIX + TS_DIGITS + 1 || opt.messages < 1) usage();
  signal(SIGPIPE, SIG_IGN);

  shared = mmap(NULL, sizeof *shared, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (shared == MAP_FAILED) die("mmap");
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
  if (bind(listener, (struct sockaddr *)&addr, sizeof addr) < 0) die("bind");
  if (listen(listener, 4096) < 0) die("listen");
  socklen_t addr_len = sizeof addr;
  getsockname(listener, (struct sockaddr *)&addr, &addr_len);
  port = ntohs(addr.sin_port);

  pid_t pids[RECEIVERS_MAX];
  for (int r = 0; r < opt.receivers; r++) {
    int count = opt.clients * (r + 1) / opt.receivers - opt.clients * r / opt.receivers;
    pids[r] = fork();
    if (pids[r] == 0) {
      close(listener);
      run_receiver(r, count);
    }
  }
  sinks = calloc((size_t)opt.clients, sizeof *sinks);
  for (int i = 0; i < opt.clients; i++) {
    int fd = accept(listener, NULL, NULL);
    if (fd < 0) die("accept");
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &opt.nodelay, sizeof opt.nodelay);
    if (opt.buffer_bytes) setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &opt.buffer_bytes, sizeof opt.buffer_bytes);
    if (opt.congestion && setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, opt.congestion, (socklen_t)strlen(opt.congestion)) < 0) die("TCP_CONGESTION");
    if (opt.zerocopy && setsockopt(fd, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof one) < 0) die("SO_ZEROCOPY");
    fcntl(fd, F_SETFL, O_NONBLOCK);
    sinks[i].fd = fd;
  }
  for (int r = 0; r < opt.receivers; r++) while (!shared->receivers[r].connected) usleep(1000);

  sender_thread threads[THREADS_MAX] = { 0 };
  for (int t = 0; t < opt.threads; t++) {
    threads[t].first = opt.clients * t / opt.threads;
    threads[t].count = opt.clients * (t + 1) / opt.threads - threads[t].first;
    threads[t].sinks = sinks + threads[t].first;
    pthread_create(&threads[t].thread, NULL, run_sender, &threads[t]);
  }
  sleep((unsigned)opt.warmup_s);
  struct rusage s0, s1;
  getrusage(RUSAGE_SELF, &s0);
  uint64_t measure_started = now_us();
  shared->phase = PHASE_MEASURE;
  sleep((unsigned)opt.measure_s);
  shared->phase = PHASE_STOP;
  uint64_t measured_us = now_us() - measure_started;
  for (int t = 0; t < opt.threads; t++) pthread_join(threads[t].thread, NULL);
  getrusage(RUSAGE_SELF, &s1);
  for (int r = 0; r < opt.receivers; r++) waitpid(pids[r], NULL, 0);

  uint64_t frames = 0, dropped = 0, partial = 0, flush_total = 0, flush_max = 0, windows = 0, zc_reaps = 0, zc_copied = 0;
  for (int t = 0; t < opt.threads; t++) {
    frames += threads[t].frames; dropped += threads[t].dropped; partial += threads[t].partial;
    flush_total += threads[t].flush_us_total; windows += threads[t].windows;
    zc_reaps += threads[t].zc_reaps; zc_copied += threads[t].zc_copied;
    if (threads[t].flush_us_max > flush_max) flush_max = threads[t].flush_us_max;
  }
  static uint64_t histogram[BUCKETS];
  uint64_t rframes = 0, messages = 0, reads = 0, wakeups = 0;
  double ruser = 0, rsys = 0;
  for (int r = 0; r < opt.receivers; r++) {
    receiver_result *rr = &shared->receivers[r];
    if (!rr->done) { fprintf(stderr, "receiver %d did not finish\n", r); return 1; }
    rframes += rr->frames; messages += rr->messages; reads += rr->reads; wakeups += rr->wakeups;
    ruser += ru_seconds(&rr->ru0, &rr->ru1, 0);
    rsys += ru_seconds(&rr->ru0, &rr->ru1, 1);
    for (int b = 0; b < BUCKETS; b++) histogram[b] += rr->histogram[b];
  }
  double pct[4] = { 0.5, 0.99, 0.999, 1.0 }, ms[4] = { 0 };
  for (int p = 0; p < 4; p++) {
    uint64_t seen = 0, want = (uint64_t)((double)messages * pct[p]);
    for (int b = 0; b < BUCKETS; b++) {
      seen += histogram[b];
      if (seen >= want && seen > 0) { ms[p] = (b + 1) * BUCKET_US / 1000.0; break; }
    }
  }
  double seconds = (double)measured_us / 1e6;
  double suser = ru_seconds(&s0, &s1, 0), ssys = ru_seconds(&s0, &s1, 1);
  printf("{\"clients\":%d,\"messagesPerFrame\":%d,\"messageBytes\":%d,\"frameBytes\":%zu,\"windowMs\":%d,\"slots\":%d,\"senderThreads\":%d,"
         "\"receivers\":%d,\"send\":%d,\"congestion\":\"%s\",\"uringBatch\":%d,\"zerocopy\":%d,\"writev\":%d,\"nodelay\":%d,\"bufferBytes\":%d,\"seconds\":%.3f,"
         "\"framesWritten\":%llu,\"framesReceived\":%llu,\"messagesReceived\":%llu,\"dropped\":%llu,\"partialWrites\":%llu,"
         "\"windows\":%llu,\"flushMsAvg\":%.2f,\"flushMsMax\":%.2f,"
         "\"senderUserS\":%.3f,\"senderSysS\":%.3f,\"receiverUserS\":%.3f,\"receiverSysS\":%.3f,\"receiverReads\":%llu,\"receiverWakeups\":%llu,"
         "\"zerocopyReaps\":%llu,\"zerocopyCopied\":%llu,\"p50Ms\":%.1f,\"p99Ms\":%.1f,\"p999Ms\":%.1f,\"maxMs\":%.1f}\n",
         opt.clients, opt.messages, opt.message_bytes, header_len(payload_len()) + payload_len(), opt.window_ms, opt.slots, opt.threads,
         opt.receivers, opt.use_send, opt.congestion ? opt.congestion : "default", opt.uring_batch, opt.zerocopy, opt.writev_split, opt.nodelay, opt.buffer_bytes, seconds,
         (unsigned long long)frames, (unsigned long long)rframes, (unsigned long long)messages, (unsigned long long)dropped,
         (unsigned long long)partial, (unsigned long long)windows, windows ? (double)flush_total / (double)windows / 1000.0 : 0.0,
         (double)flush_max / 1000.0, suser, ssys, ruser, rsys, (unsigned long long)reads, (unsigned long long)wakeups,
         (unsigned long long)zc_reaps, (unsigned long long)zc_copied, ms[0], ms[1], ms[2], ms[3]);
  return 0;
}
