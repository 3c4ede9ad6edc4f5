// SPDX-License-Identifier: MIT
// hub_load: the client side of bench/hub-bench. Connects N clients to a
// line hub (builtin = hub, no handler) on 127.0.0.1:PORT and measures one
// scenario on one thread with epoll:
//   broadcast  client 1 sends M lines, every other client receives them
//   all        every client sends M lines, every other client receives them
// Each line carries its send time (CLOCK_MONOTONIC); receivers take the
// delivery latency of every 16th line. With --stalled, one more client
// connects with a 4 KiB receive buffer and never reads (slow_reader).
// With --rate R the senders together send R lines a second, so that the
// latency is the hub's, not the time a line waits behind the senders' own
// backlog. Prints one line: delivered messages/s, MB/s, p50 and p99 latency.
//   hub_load PORT broadcast|all CLIENTS MESSAGES SIZE [--stalled] [--rate R]
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

namespace {

long long now_ns() {
  timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000000000LL + t.tv_nsec;
}

int connect_to(int port, int rcvbuf) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (rcvbuf > 0) ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    std::perror("connect");
    std::exit(1);
  }
  return fd;
}

// Reads up to and including the first LF (the "welcome ID" line), blocking.
void read_welcome(int fd) {
  char c;
  while (::read(fd, &c, 1) == 1 && c != '\n') {
  }
}

struct Client {
  int fd;
  bool sender = false;
  int sent = 0;
  std::string out;  // the current line being sent, and how far
  std::size_t out_pos = 0;
  std::string in;
  long long received = 0;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 6) {
    std::fprintf(stderr, "usage: hub_load PORT broadcast|all CLIENTS MESSAGES SIZE [--stalled]\n");
    return 2;
  }
  int port = std::atoi(argv[1]);
  bool all = std::string(argv[2]) == "all";
  int n = std::atoi(argv[3]), m = std::atoi(argv[4]), size = std::atoi(argv[5]);
  bool stalled = false;
  double rate = 0;
  for (int i = 6; i < argc; ++i) {
    if (std::string(argv[i]) == "--stalled") stalled = true;
    if (std::string(argv[i]) == "--rate" && i + 1 < argc) rate = std::atof(argv[++i]);
  }
  std::vector<Client> clients(static_cast<std::size_t>(n));
  int stall_fd = -1;
  if (stalled) {
    stall_fd = connect_to(port, 4096);
    read_welcome(stall_fd);
  }
  for (int i = 0; i < n; ++i) {
    clients[static_cast<std::size_t>(i)].fd = connect_to(port, 0);
    read_welcome(clients[static_cast<std::size_t>(i)].fd);
    clients[static_cast<std::size_t>(i)].sender = all || i == 0;
  }
  // Others' client_start lines are read (and skipped) with the traffic.
  int ep = epoll_create1(0);
  for (int i = 0; i < n; ++i) {
    Client& c = clients[static_cast<std::size_t>(i)];
    ::fcntl(c.fd, F_SETFL, O_NONBLOCK);
    epoll_event e{};
    e.events = EPOLLIN | (c.sender && rate == 0 ? static_cast<uint32_t>(EPOLLOUT) : 0u);
    e.data.u32 = static_cast<uint32_t>(i);
    epoll_ctl(ep, EPOLL_CTL_ADD, c.fd, &e);
  }
  long long senders = all ? n : 1;
  long long want = senders * m * (n - 1);
  long long got = 0;
  std::vector<long long> lat;
  lat.reserve(static_cast<std::size_t>(want / 16 + 1));
  std::string pad(static_cast<std::size_t>(std::max(size - 24, 1)), 'x');
  long long start = now_ns(), deadline = start + 120LL * 1000000000;
  std::vector<epoll_event> evs(256);
  std::vector<char> buf(1 << 16);
  long long paced = 0;  // lines sent so far with --rate
  while (got < want && now_ns() < deadline) {
    if (rate > 0) {
      // Blocking sends of short lines: the hub reads its clients promptly.
      long long due = std::min<long long>(senders * m, static_cast<long long>((now_ns() - start) / 1e9 * rate) + 1);
      for (; paced < due; ++paced) {
        Client& c = clients[static_cast<std::size_t>(all ? paced % n : 0)];
        std::string line = std::to_string(now_ns()) + " " + pad + "\n";
        for (std::size_t off = 0; off < line.size();) {
          ssize_t w = ::send(c.fd, line.data() + off, line.size() - off, MSG_NOSIGNAL);
          if (w > 0) off += static_cast<std::size_t>(w);
        }
      }
    }
    int k = epoll_wait(ep, evs.data(), static_cast<int>(evs.size()), rate > 0 ? 1 : 1000);
    for (int j = 0; j < k; ++j) {
      Client& c = clients[evs[static_cast<std::size_t>(j)].data.u32];
      if (evs[static_cast<std::size_t>(j)].events & EPOLLOUT) {
        for (;;) {
          if (c.out_pos == c.out.size()) {
            if (c.sent == m) {
              epoll_event e{};
              e.events = EPOLLIN;
              e.data.u32 = evs[static_cast<std::size_t>(j)].data.u32;
              epoll_ctl(ep, EPOLL_CTL_MOD, c.fd, &e);
              break;
            }
            c.out = std::to_string(now_ns()) + " " + pad + "\n";
            c.out_pos = 0;
            ++c.sent;
          }
          ssize_t w = ::send(c.fd, c.out.data() + c.out_pos, c.out.size() - c.out_pos, MSG_NOSIGNAL);
          if (w <= 0) break;
          c.out_pos += static_cast<std::size_t>(w);
        }
      }
      if (evs[static_cast<std::size_t>(j)].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
        ssize_t r = ::read(c.fd, buf.data(), buf.size());
        if (r == 0) {
          std::fprintf(stderr, "hub_load: a client was disconnected\n");
          return 1;
        }
        if (r < 0) continue;
        c.in.append(buf.data(), static_cast<std::size_t>(r));
        std::size_t pos = 0;
        long long t = now_ns();
        for (std::size_t nl; (nl = c.in.find('\n', pos)) != std::string::npos; pos = nl + 1) {
          std::size_t sp = c.in.find(' ', pos);
          if (sp == std::string::npos || sp > nl) continue;
          const char* p = c.in.data() + sp + 1;
          if (*p < '0' || *p > '9') continue;  // client_start and the like
          ++got;
          if (got % 16 == 0) lat.push_back(t - std::strtoll(p, nullptr, 10));
        }
        c.in.erase(0, pos);
      }
    }
  }
  double secs = static_cast<double>(now_ns() - start) / 1e9;
  std::sort(lat.begin(), lat.end());
  auto pct = [&](double q) {
    return lat.empty() ? 0.0 : static_cast<double>(lat[static_cast<std::size_t>(q * (lat.size() - 1))]) / 1e6;
  };
  std::printf("%s clients=%d messages=%lld delivered=%lld seconds=%.3f msg_per_s=%.0f MB_per_s=%.1f p50_ms=%.3f p99_ms=%.3f%s%s\n",
              all ? "all-to-all" : "broadcast", n, senders * m, got, secs, got / secs,
              static_cast<double>(got) * size / secs / 1e6, pct(0.5), pct(0.99), stalled ? " stalled=1" : "",
              rate > 0 ? (" rate=" + std::to_string(static_cast<long long>(rate))).c_str() : "");
  if (stall_fd >= 0) ::close(stall_fd);
  return got == want ? 0 : 1;
}
