// SPDX-License-Identifier: MIT
#include "core/control.hpp"

#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/write.hpp>
#include <cerrno>

#include "net/listener.hpp"
#include "sys/errno_error.hpp"

namespace superd::core {

namespace asio = boost::asio;

namespace {
constexpr int kAcceptsPerWake = 16;
}  // namespace

/// One client of the control socket.
struct ControlReply::Client : std::enable_shared_from_this<ControlReply::Client> {
  Client(ControlServer& s, int fd, const ucred& c)
      : server(s), sock(s.io_, fd), timer(s.io_), cred(c),
        who("uid " + std::to_string(c.uid) + " pid " + std::to_string(c.pid)) {}

  void start();
  void read();
  void on_line();
  void send(bool ok, const std::string& body);
  /// The answer comes later (drain): notice when the client hangs up.
  void watch_hangup();
  void finish();

  ControlServer& server;
  asio::posix::stream_descriptor sock;
  asio::steady_timer timer;
  ucred cred;
  std::string who;
  RequestReader reader;
  std::array<char, 1024> buf{};
  std::string out;
  bool answered = false;
  bool done = false;
};

void ControlReply::send(bool ok, const std::string& body) const {
  if (auto c = client_.lock()) c->send(ok, body);
}

bool ControlReply::open() const {
  auto c = client_.lock();
  return c && !c->done && !c->answered;
}

std::string ControlReply::who() const {
  auto c = client_.lock();
  return c ? c->who : "a client that has gone";
}

void ControlReply::Client::start() {
  timer.expires_after(kRequestTimeout);
  timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (ec || self->done || self->reader.state() != RequestReader::State::More) return;
    self->server.log_.log(log::kNotice, "control: " + self->who + ": no request within " +
                                            std::to_string(kRequestTimeout.count()) + "s; closed");
    self->finish();
  });
  read();
}

void ControlReply::Client::read() {
  sock.async_read_some(asio::buffer(buf), [self = shared_from_this()](const boost::system::error_code& ec,
                                                                      std::size_t n) {
    if (self->done) return;
    if (ec) {
      if (ec != asio::error::operation_aborted)
        self->server.log_.log(log::kNotice, "control: " + self->who + ": closed before a whole request" +
                                                (ec == asio::error::eof ? "" : " (" + ec.message() + ")"));
      return self->finish();
    }
    switch (self->reader.feed(std::string_view(self->buf.data(), n))) {
      case RequestReader::State::More: return self->read();
      case RequestReader::State::Line: return self->on_line();
      case RequestReader::State::TooLong:
        self->server.log_.log(log::kWarning, "control: " + self->who + ": request longer than " +
                                                 std::to_string(kMaxRequest) + " bytes; refused");
        return self->send(false, "request longer than " + std::to_string(kMaxRequest) + " bytes\n");
    }
  });
}

void ControlReply::Client::on_line() {
  timer.cancel();
  ControlRequest request;
  std::string error;
  if (!parse_control_request(reader.line(), request, error)) {
    server.log_.log(log::kWarning, "control: " + who + ": bad request: " + error);
    return send(false, error + "\n");
  }
  server.log_.log(log::kInfo, "control: " + who + ": " + request.text());
  server.handler_(request, ControlReply(weak_from_this()));
  if (!answered && !done) watch_hangup();
}

void ControlReply::Client::watch_hangup() {
  // Only a hang-up or an error completes a wait for errors (EPOLLHUP): a
  // client that shut down its side after the request still waits. The
  // poll() catches a hang-up that came before the wait began.
  sock.async_wait(asio::posix::descriptor_base::wait_error,
                  [self = shared_from_this()](const boost::system::error_code& ec) {
                    if (ec || self->done || self->answered) return;
                    self->server.log_.log(log::kInfo, "control: " + self->who + ": left before the answer");
                    self->finish();
                  });
  pollfd p{sock.native_handle(), 0, 0};
  if (::poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLERR))) {
    server.log_.log(log::kInfo, "control: " + who + ": left before the answer");
    finish();
  }
}

void ControlReply::Client::send(bool ok, const std::string& body) {
  if (done || answered) return;
  answered = true;
  out = std::string(ok ? "ok\n" : "error\n") + body;
  timer.cancel();
  timer.expires_after(kAnswerTimeout);
  timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (ec || self->done) return;
    self->server.log_.log(log::kNotice, "control: " + self->who + ": answer not read within " +
                                            std::to_string(kAnswerTimeout.count()) + "s; closed");
    self->finish();
  });
  asio::async_write(sock, asio::buffer(out), [self = shared_from_this()](const boost::system::error_code& ec,
                                                                       std::size_t) {
    if (ec && ec != asio::error::operation_aborted && !self->done)
      self->server.log_.log(log::kInfo, "control: " + self->who + ": answer not sent: " + ec.message());
    self->finish();
  });
}

void ControlReply::Client::finish() {
  if (done) return;
  done = true;
  auto self = shared_from_this();  // the server's map may hold the last reference
  timer.cancel();
  boost::system::error_code ignored;
  sock.close(ignored);
  server.closed(this);
}

ControlServer::ControlServer(asio::io_context& io, log::Logger& log, Handler handler)
    : io_(io), log_(log), handler_(std::move(handler)), backoff_(io) {}

ControlServer::~ControlServer() { close(); }

bool ControlServer::prepare(const conf::GlobalConfig& g, std::string& error) {
  staged_ = false;
  staged_socket_.reset();
  old_mode_ = -1;
  const std::string& path = g.control_socket;
  int mode = g.control_socket_mode.value;
  if (path == path_) {
    if (!socket_ || mode == mode_ || mode < 0) return true;
    if (::chmod(path.c_str(), static_cast<mode_t>(mode)) != 0)
      return error = "control_socket: " + sys::describe_errno("chmod", path, errno), false;
    old_mode_ = mode_;
    return true;
  }
  staged_ = true;
  staged_path_ = path;
  if (path.empty()) return true;
  net::Endpoint e;
  e.transport = net::Transport::UnixStream;
  e.host = path;
  net::ListenOptions o;
  o.mode = mode;
  std::vector<net::BoundSocket> bound;
  if (!net::bind_endpoint(e, o, bound, error)) {
    error = "control_socket: " + error;
    staged_ = false;
    return false;
  }
  staged_socket_ = std::make_shared<ListenSocket>(io_, bound.front().fd.get(), e, path, true);
  bound.front().fd.release();
  return true;
}

void ControlServer::commit(const conf::GlobalConfig& g) {
  users_ = g.control_uids;
  mode_ = g.control_socket_mode.value;
  old_mode_ = -1;
  if (!staged_) return;
  staged_ = false;
  if (socket_) socket_->close();
  socket_ = std::move(staged_socket_);
  path_ = staged_path_;
  if (socket_) log_.log(log::kInfo, "control: listening on " + path_);
  arm();
}

void ControlServer::rollback() {
  if (old_mode_ >= 0 && socket_) ::chmod(path_.c_str(), static_cast<mode_t>(old_mode_));
  old_mode_ = -1;
  if (staged_socket_) staged_socket_->close();
  staged_socket_.reset();
  staged_ = false;
}

void ControlServer::close() {
  rollback();
  backoff_.cancel();
  if (socket_) socket_->close();
  socket_.reset();
  path_.clear();
  auto all = clients_;
  for (auto& [p, c] : all) c->finish();
  clients_.clear();
}

void ControlServer::arm() {
  if (!socket_ || socket_->watching || backing_off_ || clients_.size() >= kMaxClients) return;
  socket_->watching = true;
  socket_->desc.async_wait(asio::posix::descriptor_base::wait_read,
                           [this, sock = socket_](const boost::system::error_code& ec) {
                             sock->watching = false;
                             if (ec || sock->closed || sock != socket_) return;
                             accept_some();
                           });
}

void ControlServer::accept_some() {
  for (int i = 0; i < kAcceptsPerWake && clients_.size() < kMaxClients; ++i) {
    int fd = ::accept4(socket_->desc.native_handle(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) {
      admit(fd);
      continue;
    }
    if (errno == EINTR || errno == ECONNABORTED) continue;
    if (errno == EAGAIN) break;
    // Out of descriptors, say: try again in a second rather than spin.
    log_.log(log::kErr, "control: " + sys::describe_errno("accept", path_, errno) + "; pausing for 1s");
    backing_off_ = true;
    backoff_.expires_after(std::chrono::seconds(1));
    backoff_.async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      backing_off_ = false;
      arm();
    });
    return;
  }
  arm();
}

bool ControlServer::allowed(uid_t uid) const {
  if (uid == 0 || uid == ::geteuid()) return true;
  for (uid_t u : users_)
    if (u == uid) return true;
  return false;
}

void ControlServer::admit(int fd) {
  ucred cred{};
  socklen_t len = sizeof cred;
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
    log_.log(log::kWarning, "control: " + sys::describe_errno("getsockopt SO_PEERCRED", path_, errno) +
                                "; connection closed");
    ::close(fd);
    return;
  }
  if (!allowed(cred.uid)) {
    log_.log(log::kWarning, "control: refused uid " + std::to_string(cred.uid) + " pid " +
                                std::to_string(cred.pid) +
                                ": not root, superd's own user or one of control_users");
    ::close(fd);
    return;
  }
  std::shared_ptr<ControlReply::Client> c;
  try {
    c = std::make_shared<ControlReply::Client>(*this, fd, cred);
  } catch (const std::exception& e) {  // registering with epoll can fail under exhaustion
    log_.log(log::kErr, std::string("control: cannot serve a client: ") + e.what());
    ::close(fd);
    return;
  }
  clients_.emplace(c.get(), c);
  c->start();
}

void ControlServer::closed(ControlReply::Client* c) {
  if (clients_.erase(c)) arm();
}

}  // namespace superd::core
