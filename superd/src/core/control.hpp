// SPDX-License-Identifier: MIT
// ControlServer: the control socket `superd ctl` talks to. Bound like an
// endpoint (a stale socket file is replaced, a live one refused), staged on
// a reload and committed with the rest of it, removed on exit. Each client:
//   accept -> SO_PEERCRED (root, superd's own uid or control_users; anyone
//   else is closed unanswered and logged) -> one request line (kMaxRequest
//   bytes within kRequestTimeout) -> the Handler -> "ok" or "error", a line,
//   then the answer's body -> close.
// A client that sends garbage, too long a line or nothing costs only its own
// connection and a log line; at most kMaxClients are served at once, later
// ones wait in the backlog.
#pragma once

#include <sys/socket.h>
#include <sys/types.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "conf/config.hpp"
#include "core/control_request.hpp"
#include "core/socket_registry.hpp"
#include "log/log.hpp"

namespace superd::core {

/// Seconds a client has to send its request line.
constexpr std::chrono::seconds kRequestTimeout{5};
/// Seconds a client has to read its answer.
constexpr std::chrono::seconds kAnswerTimeout{30};
/// Clients served at once.
constexpr std::size_t kMaxClients = 16;

class ControlServer;

/// The way back to the client of one request. Answers once; harmless when
/// the client has gone. Loop thread only.
class ControlReply {
 public:
  ControlReply() = default;
  /// Sends "ok" or "error", a newline and `body`, then closes the connection.
  void send(bool ok, const std::string& body) const;
  /// True while the client still waits for the answer.
  bool open() const;
  /// The client, for the log: "uid 0 pid 812".
  std::string who() const;

 private:
  friend class ControlServer;
  struct Client;
  explicit ControlReply(std::weak_ptr<Client> c) : client_(std::move(c)) {}
  std::weak_ptr<Client> client_;
};

/// The control socket and its clients. Loop thread only.
class ControlServer {
 public:
  /// Runs each valid request; it answers through the reply, now or later.
  using Handler = std::function<void(const ControlRequest& request, ControlReply reply)>;
  ControlServer(boost::asio::io_context& io, log::Logger& log, Handler handler);
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  /// Gets the control socket `g` names ready, staged until commit(): a new
  /// path is bound, a new mode applied in place. False, with `error` naming
  /// the path and why, when that fails; nothing is then changed.
  bool prepare(const conf::GlobalConfig& g, std::string& error);
  /// Serves what prepare() staged, closing the socket it replaces, and
  /// takes `g`'s allowed users.
  void commit(const conf::GlobalConfig& g);
  /// Undoes prepare().
  void rollback();
  /// Closes the socket (removing its file) and every client (shutdown).
  void close();
  /// The path served now; empty when none.
  const std::string& path() const { return path_; }

 private:
  friend class ControlReply;
  void arm();
  void accept_some();
  void admit(int fd);
  bool allowed(uid_t uid) const;
  void closed(ControlReply::Client* c);

  boost::asio::io_context& io_;
  log::Logger& log_;
  Handler handler_;
  std::shared_ptr<ListenSocket> socket_;  ///< Null when there is no control socket.
  std::string path_;
  int mode_ = -1;
  std::vector<uid_t> users_;  ///< control_users, resolved.
  // What prepare() staged.
  bool staged_ = false;         ///< prepare() replaces the socket (or removes it).
  std::shared_ptr<ListenSocket> staged_socket_;
  std::string staged_path_;
  int old_mode_ = -1;           ///< The mode before prepare() changed it in place; -1 unchanged.
  std::unordered_map<ControlReply::Client*, std::shared_ptr<ControlReply::Client>> clients_;
  boost::asio::steady_timer backoff_;
  bool backing_off_ = false;
};

}  // namespace superd::core
