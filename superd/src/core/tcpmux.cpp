// SPDX-License-Identifier: MIT
#include "core/tcpmux.hpp"

#include <sys/socket.h>

#include <cerrno>

namespace superd::core {

namespace asio = boost::asio;

std::string tcpmux_name_of(std::string_view line) {
  // RFC 1078 asks for CR LF; a bare LF (what `nc` sends) is taken too.
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return std::string(line);
}

TcpmuxRequest::TcpmuxRequest(Context& ctx, int fd, double timeout, Done done)
    : sock_(ctx.io, fd), timer_(ctx.io), timeout_(timeout), done_(std::move(done)) {}

void TcpmuxRequest::start() {
  timer_.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(timeout_)));
  timer_.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
    auto self = weak.lock();
    if (ec || !self || !self->done_) return;
    self->fail("-Timed out waiting for the service name\r\n", "timeout");
  });
  wait();
}

void TcpmuxRequest::wait() {
  sock_.async_wait(asio::posix::descriptor_base::wait_read,
                   [self = shared_from_this()](const boost::system::error_code& ec) {
                     if (ec || !self->done_) return;  // cancelled: failed or timed out already
                     self->on_readable();
                   });
}

// Peeks to find the line's end and consumes no further: the bytes before it
// are the name (kept in line_, so a slow client's partial line does not
// leave the socket readable for nothing), those after it are the service's.
void TcpmuxRequest::on_readable() {
  char buf[kTcpmuxLineMax];
  int fd = sock_.native_handle();
  ssize_t n = ::recv(fd, buf, kTcpmuxLineMax - line_.size(), MSG_PEEK);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return wait();
  if (n <= 0) return fail(nullptr, n == 0 ? "closed" : "reset");
  std::string_view got(buf, static_cast<std::size_t>(n));
  std::size_t end = got.find('\n');
  std::size_t take = end == std::string_view::npos ? got.size() : end + 1;
  if (::recv(fd, buf, take, 0) != static_cast<ssize_t>(take)) return fail(nullptr, "reset");
  line_.append(buf, take);
  if (end == std::string_view::npos) {
    if (line_.size() >= kTcpmuxLineMax) return fail("-Service name too long\r\n", "line_too_long");
    return wait();
  }
  timer_.cancel();
  Done done = std::move(done_);
  done_ = nullptr;
  done(sock_.release(), tcpmux_name_of(line_), nullptr);
}

void TcpmuxRequest::fail(const char* reply, const char* error) {
  if (reply) {
    std::string_view r(reply);
    ssize_t ignored = ::send(sock_.native_handle(), r.data(), r.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    (void)ignored;
  }
  timer_.cancel();
  boost::system::error_code ignored;
  sock_.close(ignored);
  Done done = std::move(done_);
  done_ = nullptr;
  done(-1, {}, error);
}

Builtin tcpmux_builtin() {
  Builtin b;
  b.name = "tcpmux";
  b.doc = "TCPMUX (RFC 1078): hands a connection to the service it names (see tcpmux_name).";
  b.make_stream = [] { return std::make_unique<StreamHandler>(); };
  return b;
}

}  // namespace superd::core
