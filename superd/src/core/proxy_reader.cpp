// SPDX-License-Identifier: MIT
#include "core/proxy_reader.hpp"

#include <fcntl.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace superd::core {

namespace asio = boost::asio;
using Status = net::ProxyHeader::Status;

namespace {
net::ProxyHeader failure(std::string why) {
  net::ProxyHeader h;
  h.status = Status::Error;
  h.error = std::move(why);
  return h;
}
}  // namespace

void ProxyReader::start(asio::io_context& io, int fd, net::ProxyVersion accept,
                        std::chrono::steady_clock::duration timeout, Done done) {
  auto r = std::make_shared<ProxyReader>(io, fd, accept, std::move(done));
  r->timer_.expires_after(timeout);
  r->timer_.async_wait([r, timeout](const boost::system::error_code& ec) {
    if (ec || r->finished_) return;
    auto secs = std::chrono::duration_cast<std::chrono::seconds>(timeout).count();
    r->finish(failure("no complete header within " + std::to_string(secs) + "s (" +
                      std::to_string(r->buf_.size()) + " bytes received)"));
  });
  r->wait();
}

ProxyReader::ProxyReader(asio::io_context& io, int fd, net::ProxyVersion accept, Done done)
    : sock_(io, fd), timer_(io), accept_(accept), done_(std::move(done)), flags_(::fcntl(fd, F_GETFL)) {}

void ProxyReader::wait() {
  sock_.async_wait(asio::posix::descriptor_base::wait_read,
                   [self = shared_from_this()](const boost::system::error_code& ec) {
                     if (!ec && !self->finished_) self->on_readable();
                   });
}

// Peeking leaves the bytes queued, so a wait for readability would complete
// at once again: when the header is still incomplete, what was peeked is
// consumed (all of it is header) and the socket read again until it has
// nothing more (the reactor reports only new arrivals). Each round consumes
// at least a byte, and a header is at most kProxyMax bytes.
void ProxyReader::on_readable() {
  int fd = sock_.native_handle();
  char peek[net::kProxyMax];
  while (!finished_) {
    std::size_t room = net::kProxyMax - buf_.size();
    ssize_t n;
    do n = ::recv(fd, peek, room, MSG_PEEK | MSG_DONTWAIT);
    while (n < 0 && errno == EINTR);
    if (n < 0 && errno == EAGAIN) return wait();
    if (n < 0) return finish(failure(std::string("recv: ") + std::strerror(errno)));
    if (n == 0)
      return finish(failure("connection closed after " + std::to_string(buf_.size()) +
                            " bytes, before a complete header"));
    std::size_t have = buf_.size();
    buf_.append(peek, static_cast<std::size_t>(n));
    net::ProxyHeader h = net::parse_proxy_header(buf_, accept_);
    if (h.status == Status::Error) return finish(std::move(h));
    // Consume the header's part of what was peeked: all of it while incomplete.
    std::size_t take = h.status == Status::Done ? h.length - have : static_cast<std::size_t>(n);
    ssize_t got;
    do got = ::recv(fd, peek, take, MSG_DONTWAIT);
    while (got < 0 && errno == EINTR);
    if (got != static_cast<ssize_t>(take))  // the kernel had these bytes queued a moment ago
      return finish(failure("recv: " + std::string(got < 0 ? std::strerror(errno) : "short read")));
    buf_.resize(have + take);
    if (h.status == Status::Done) return finish(std::move(h));
  }
}

void ProxyReader::finish(net::ProxyHeader h) {
  finished_ = true;
  timer_.cancel();
  boost::system::error_code ignored;
  sock_.cancel(ignored);
  int fd = sock_.release();
  // Asio made it non-blocking for its wait; a program expects it as accepted.
  if (flags_ >= 0) ::fcntl(fd, F_SETFL, flags_);
  Done done = std::move(done_);
  done(fd, h);
}

}  // namespace superd::core
