// SPDX-License-Identifier: MIT
#include "core/tls_relay.hpp"

#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "net/openssl_calls.hpp"  // last: it renames OpenSSL's functions

namespace superd::core {

namespace asio = boost::asio;

namespace {
// A TLS record's largest payload: one SSL_read never gives more.
constexpr std::size_t kBuffer = 16 * 1024;
// Rounds of relaying per wake-up, so one busy connection cannot keep the
// loop from the others.
constexpr int kTlsRoundsPerWake = 8;

bool hung_up(int fd) {
  pollfd p{fd, POLLOUT, 0};
  return ::poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLERR));
}
}  // namespace

void TlsRelay::start(asio::io_context& io, int fd, std::shared_ptr<const net::TlsContext> tls,
                     std::chrono::steady_clock::duration timeout, Ready ready, Failed failed,
                     std::shared_ptr<TlsRelays> live) {
  auto r = std::make_shared<TlsRelay>(io, fd, std::move(tls));
  r->live_ = std::move(live);
  r->ready_ = std::move(ready);
  r->failed_ = std::move(failed);
  if (!r->ssl_ || SSL_set_fd(r->ssl_, fd) != 1)
    return r->fail_handshake("cannot start a TLS session: " + net::tls_error_text("out of memory"));
  SSL_set_accept_state(r->ssl_);
  r->timer_.expires_after(timeout);
  r->timer_.async_wait([r, timeout](const boost::system::error_code& ec) {
    if (ec || !r->handshaking_ || r->closed_) return;
    auto secs = std::chrono::duration_cast<std::chrono::duration<double>>(timeout).count();
    char text[32];
    std::snprintf(text, sizeof text, "%g", secs);
    r->fail_handshake(std::string("TLS handshake: not done within ") + text + "s");
  });
  r->handshake();
}

TlsRelay::TlsRelay(asio::io_context& io, int fd, std::shared_ptr<const net::TlsContext> tls)
    : io_(io), outer_(io, fd), inner_(io), timer_(io), tls_(std::move(tls)), ssl_(tls_->new_session()) {
  // OpenSSL reads and writes the socket itself: it must never block the loop.
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
}

TlsRelay::~TlsRelay() {
  unlist();
  if (ssl_) SSL_free(ssl_);
}

void TlsRelay::unlist() {
  if (listed_) live_->erase(this);
  listed_ = false;
}

void TlsRelay::wait(asio::posix::stream_descriptor& d, asio::posix::descriptor_base::wait_type what,
                    bool& pending) {
  if (pending || closed_) return;
  pending = true;
  d.async_wait(what,
               [self = shared_from_this(), &pending](const boost::system::error_code& ec) {
                 pending = false;
                 if (ec || self->closed_) return;
                 if (self->handshaking_) self->handshake();
                 else self->pump();
               });
}

void TlsRelay::handshake() {
  ERR_clear_error();
  int r = SSL_do_handshake(ssl_);
  if (r == 1) {
    handshaking_ = false;
    timer_.cancel();
    Ready ready = std::move(ready_);
    failed_ = nullptr;
    auto self = shared_from_this();
    ready(*this);  // calls open_inner(), which starts relaying
    if (inner_.is_open()) pump();
    else close();
    return;
  }
  int err = SSL_get_error(ssl_, r);
  if (err == SSL_ERROR_WANT_READ) return wait(outer_, asio::posix::descriptor_base::wait_read, outer_reading_);
  if (err == SSL_ERROR_WANT_WRITE) return wait(outer_, asio::posix::descriptor_base::wait_write, outer_writing_);
  int saved = errno;
  std::string why;
  if (err == SSL_ERROR_SYSCALL && ERR_peek_last_error() == 0)
    why = saved != 0 ? std::string(std::strerror(saved)) : "connection closed";
  else if (err == SSL_ERROR_ZERO_RETURN)
    why = "connection closed";
  else
    why = net::tls_error_text("connection closed");
  fail_handshake("TLS handshake: " + why);
}

void TlsRelay::fail_handshake(const std::string& why) {
  Failed failed = std::move(failed_);
  ready_ = nullptr;
  auto self = shared_from_this();
  close();
  if (failed) failed(why);
}

int TlsRelay::open_inner(bool nonblocking, TlsPair* reserved) {
  int sv[2];
  if (reserved && reserved->relay_end && reserved->served_end) {
    sv[0] = reserved->relay_end.release();
    sv[1] = reserved->served_end.release();
  } else if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
    return -1;
  }
  ::fcntl(sv[0], F_SETFL, O_NONBLOCK);
  if (nonblocking) ::fcntl(sv[1], F_SETFL, O_NONBLOCK);
  boost::system::error_code ec;
  inner_.assign(sv[0], ec);
  if (ec) {
    ::close(sv[0]);
    ::close(sv[1]);
    errno = ec.value();
    return -1;
  }
  up_.resize(kBuffer);
  down_.resize(kBuffer);
  serves_program_ = !nonblocking;
  if (live_) {
    live_->insert(this);
    listed_ = true;
  }
  return sv[1];
}

std::vector<std::string> TlsRelay::env() const { return net::tls_session_env(ssl_); }

// Client to program. Returns true when it made progress.
bool TlsRelay::relay_up(bool& want_outer_read, bool& want_outer_write, bool& want_inner_write) {
  bool progress = false;
  if (!up_eof_ && up_len_ == 0) {
    ERR_clear_error();
    int n = SSL_read(ssl_, up_.data(), static_cast<int>(up_.size()));
    if (n > 0) {
      up_len_ = static_cast<std::size_t>(n), up_pos_ = 0, progress = true;
    } else {
      int err = SSL_get_error(ssl_, n);
      if (err == SSL_ERROR_WANT_READ) want_outer_read = true;
      else if (err == SSL_ERROR_WANT_WRITE) want_outer_write = true;
      else up_eof_ = true, progress = true;  // close_notify, EOF, or a broken connection: no more input
    }
  }
  if (up_pos_ < up_len_) {
    ssize_t n = ::send(inner_.native_handle(), up_.data() + up_pos_, up_len_ - up_pos_, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      up_pos_ += static_cast<std::size_t>(n), progress = true;
      if (up_pos_ == up_len_) up_len_ = up_pos_ = 0;
    } else if (errno == EAGAIN) {
      want_inner_write = true;
    } else if (errno != EINTR) {  // the program stopped reading: drop what the client sends
      up_eof_ = up_done_ = true, up_len_ = up_pos_ = 0, progress = true;
    }
  }
  if (up_eof_ && up_len_ == 0 && !up_done_) {
    ::shutdown(inner_.native_handle(), SHUT_WR);
    up_done_ = progress = true;
  }
  return progress;
}

// Program to client. Returns true when it made progress.
bool TlsRelay::relay_down(bool& want_outer_read, bool& want_outer_write, bool& want_inner_read) {
  bool progress = false;
  if (!down_eof_ && down_len_ == 0) {
    ssize_t n = ::recv(inner_.native_handle(), down_.data(), down_.size(), MSG_DONTWAIT);
    if (n > 0) down_len_ = static_cast<std::size_t>(n), down_pos_ = 0, progress = true;
    else if (n < 0 && errno == EAGAIN) want_inner_read = true;
    else if (n == 0 || errno != EINTR) down_eof_ = progress = true;
  }
  if (down_pos_ < down_len_) {
    ERR_clear_error();
    int n = SSL_write(ssl_, down_.data() + down_pos_, static_cast<int>(down_len_ - down_pos_));
    if (n > 0) {
      down_pos_ += static_cast<std::size_t>(n), progress = true;
      if (down_pos_ == down_len_) down_len_ = down_pos_ = 0;
    } else {
      int err = SSL_get_error(ssl_, n);
      if (err == SSL_ERROR_WANT_WRITE) want_outer_write = true;
      else if (err == SSL_ERROR_WANT_READ) want_outer_read = true;
      else down_eof_ = down_done_ = true, down_len_ = down_pos_ = 0, progress = true;  // the client is gone
    }
  }
  if (down_eof_ && down_len_ == 0 && !down_done_) {
    ERR_clear_error();
    int r = SSL_shutdown(ssl_);  // close_notify; the client's own is not waited for here
    if (r < 0 && SSL_get_error(ssl_, r) == SSL_ERROR_WANT_WRITE) {
      want_outer_write = true;
    } else {
      ::shutdown(outer_.native_handle(), SHUT_WR);
      down_done_ = progress = true;
    }
  }
  return progress;
}

void TlsRelay::pump() {
  auto self = shared_from_this();
  for (int round = 0; round < kTlsRoundsPerWake && !closed_; ++round) {
    bool outer_r = false, outer_w = false, inner_r = false, inner_w = false;
    bool progress = relay_up(outer_r, outer_w, inner_w);
    progress = relay_down(outer_r, outer_w, inner_r) || progress;
    // The program's end closed entirely (it exited, or the built-in
    // closed): nobody will read the client's further input.
    if (down_done_ && !up_done_ && hung_up(inner_.native_handle())) up_done_ = true, up_len_ = up_pos_ = 0;
    if (up_done_ && down_done_) return close();
    if (progress) continue;
    using W = asio::posix::descriptor_base;
    if (outer_r) wait(outer_, W::wait_read, outer_reading_);
    if (outer_w) wait(outer_, W::wait_write, outer_writing_);
    if (inner_r) wait(inner_, W::wait_read, inner_reading_);
    if (inner_w) wait(inner_, W::wait_write, inner_writing_);
    // Told when the program's end closes entirely (EPOLLHUP completes an
    // error wait); its EOF stays readable, so a read wait would spin.
    if (down_done_ && !up_done_) wait(inner_, W::wait_error, inner_hangup_);
    return;
  }
  if (!closed_) asio::post(io_, [self] { self->pump(); });  // more to do: after the others' turn
}

void TlsRelay::end_now() {
  if (closed_) return;
  if (!handshaking_ && !down_done_) {
    // One try, without waiting: the socket is non-blocking and superd is on its way out.
    ERR_clear_error();
    SSL_shutdown(ssl_);
  }
  close();
}

void TlsRelay::close() {
  unlist();
  if (closed_) return;
  closed_ = true;
  timer_.cancel();
  boost::system::error_code ignored;
  outer_.close(ignored);
  inner_.close(ignored);
}

}  // namespace superd::core
