// SPDX-License-Identifier: MIT
// HubClient: a test's client of a message hub, reading whole lines with a
// time limit, and wait_all(), which reads many clients at once (poll) so
// that none of them stalls while the others are checked.
#pragma once

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "harness.hpp"

namespace superd::test {

/// One connection to a hub; closed at destruction.
struct HubClient {
  int fd = -1;
  std::string buf;
  bool eof = false;
  explicit HubClient(int port, int rcvbuf = 0) {
    if (rcvbuf > 0) {
      // A small receive buffer must be set before connecting to limit the window.
      fd = ::socket(AF_INET, SOCK_STREAM, 0);
      ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_port = htons(static_cast<std::uint16_t>(port));
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) ::close(fd), fd = -1;
    } else {
      fd = tcp_connect(port);
    }
  }
  ~HubClient() {
    if (fd >= 0) ::close(fd);
  }
  HubClient(const HubClient&) = delete;
  HubClient& operator=(const HubClient&) = delete;
  bool send(const std::string& s) const {
    std::size_t off = 0;
    while (off < s.size()) {
      ssize_t n = ::send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return false;
      off += static_cast<std::size_t>(n);
    }
    return true;
  }
  /// Reads what is there now, waiting at most `timeout` for something; false at EOF or error.
  bool read_some(double timeout) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout * 1000)) <= 0) return true;
    char tmp[65536];
    ssize_t n = ::read(fd, tmp, sizeof tmp);
    if (n <= 0) return eof = true, false;
    buf.append(tmp, static_cast<std::size_t>(n));
    return true;
  }
  /// The next line (without LF), or "" with `ok` false after `timeout` or at EOF.
  std::string line(double timeout = 5, bool* ok = nullptr) {
    auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout);
    while (buf.find('\n') == std::string::npos) {
      double left = std::chrono::duration<double>(end - std::chrono::steady_clock::now()).count();
      if (left <= 0 || eof || !read_some(left)) {
        if (ok) *ok = false;
        return "";
      }
    }
    std::size_t nl = buf.find('\n');
    std::string l = buf.substr(0, nl);
    buf.erase(0, nl + 1);
    if (ok) *ok = true;
    return l;
  }
  /// Reads lines until one equals `want` (true) or `timeout` passes (false); `seen` gets the others.
  bool expect(const std::string& want, double timeout = 5, std::vector<std::string>* seen = nullptr) {
    auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout);
    for (int i = 0; i < 100000; ++i) {
      double left = std::chrono::duration<double>(end - std::chrono::steady_clock::now()).count();
      bool ok = false;
      std::string l = line(left > 0 ? left : 0, &ok);
      if (!ok) return false;
      if (l == want) return true;
      if (seen) seen->push_back(l);
    }
    return false;
  }
  /// True when the hub closed the connection within `timeout` (lines before are dropped).
  bool closed(double timeout = 5) {
    auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout);
    while (!eof) {
      double left = std::chrono::duration<double>(end - std::chrono::steady_clock::now()).count();
      if (left <= 0) return false;
      read_some(left);
    }
    return true;
  }
};

/// Reads every client in `clients` (poll) until `done()` or `timeout`; `on_line(index, line)` gets each line.
inline bool read_all(std::vector<HubClient*>& clients, const std::function<void(std::size_t, const std::string&)>& on_line,
                     const std::function<bool()>& done, double timeout) {
  auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout);
  std::vector<pollfd> fds(clients.size());
  while (!done()) {
    double left = std::chrono::duration<double>(end - std::chrono::steady_clock::now()).count();
    if (left <= 0) return false;
    for (std::size_t i = 0; i < clients.size(); ++i) fds[i] = pollfd{clients[i]->eof ? -1 : clients[i]->fd, POLLIN, 0};
    if (::poll(fds.data(), fds.size(), static_cast<int>(left * 1000) + 1) <= 0) continue;
    for (std::size_t i = 0; i < clients.size(); ++i) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      clients[i]->read_some(0);
      for (std::size_t nl; (nl = clients[i]->buf.find('\n')) != std::string::npos;) {
        std::string l = clients[i]->buf.substr(0, nl);
        clients[i]->buf.erase(0, nl + 1);
        on_line(i, l);
      }
    }
  }
  return true;
}

/// Sends `data` from `sender` in 16 KiB slices, reading `readers` between
/// them (so that none falls behind), then reads until `done()` or `timeout`.
inline bool pump(HubClient& sender, const std::string& data, std::vector<HubClient*>& readers,
                 const std::function<void(std::size_t, const std::string&)>& on_line,
                 const std::function<bool()>& done, double timeout) {
  constexpr std::size_t kSlice = 16 * 1024;
  for (std::size_t off = 0; off < data.size(); off += kSlice) {
    if (!sender.send(data.substr(off, kSlice))) return false;
    int rounds = 0;  // one short round of reading what is there
    read_all(readers, on_line, [&] { return rounds++ > 0; }, 0.002);
  }
  return read_all(readers, on_line, done, timeout);
}

}  // namespace superd::test
