// SPDX-License-Identifier: MIT
// SocketRegistry: the one owner of listening sockets, keyed by endpoint
// identity (net::endpoint_identity). Sockets come from here only: bound,
// adopted from systemd (LISTEN_FDS), or kept across a reload. New sockets are
// staged first and registered by commit(), so a reload that fails half-way
// leaves the running set untouched.
#pragma once

#include <sys/types.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/datagram_port.hpp"
#include "core/lazy_timer.hpp"
#include "core/reload_plan.hpp"
#include "log/log.hpp"
#include "net/endpoint.hpp"
#include "net/listener.hpp"

namespace superd::core {

class Service;

/// One listening (stream) or bound (datagram) socket, with the part of the
/// serving state that must survive a change of the service serving it.
/// Loop thread only.
struct ListenSocket : std::enable_shared_from_this<ListenSocket> {
  ListenSocket(boost::asio::io_context& io, int fd, net::Endpoint e, std::string address,
               bool created_file);
  /// Closes the socket; removes its Unix socket file when superd created it.
  ~ListenSocket();
  ListenSocket(const ListenSocket&) = delete;
  ListenSocket& operator=(const ListenSocket&) = delete;
  /// Stops every wait and closes the descriptor (idempotent).
  void close();

  net::Endpoint endpoint;
  std::string address;     ///< As bound, for logs: "127.0.0.1:7/tcp".
  boost::asio::posix::stream_descriptor desc;
  bool created_file;       ///< False for inherited sockets: their file is not ours to remove.
  bool inherited = false;  ///< Passed by systemd (LISTEN_FDS), not bound by superd.
  dev_t file_dev = 0;      ///< The Unix socket file superd created, removed only if still there.
  ino_t file_ino = 0;
  bool closed = false;
  bool blocking = false;   ///< O_NONBLOCK is clear (wait-mode programs want that).
  // Serving state, kept across a change of owner.
  const void* owner_tag = nullptr;   ///< The Service serving it now; null between owners.
  std::weak_ptr<Service> owner;
  std::unique_ptr<DatagramPort> port;  ///< The owner's datagram built-in, if any.
  bool watching = false;       ///< A readiness wait is pending.
  bool child_running = false;  ///< Wait mode: a program has the socket.
  bool backing_off = false;    ///< A back-off timer, not resume(), re-arms it.
  int fast_exits = 0;
  LazyTimer backoff;
  /// prefork: the programs running on it now, and those of them sent SIGTERM
  /// because fewer are wanted (they are not started again when they exit).
  std::set<pid_t> preforked, retiring;
  /// Sends SIGTERM to the preforked programs not retiring yet; they become retiring.
  void stop_preforked();
};

using SocketList = std::vector<std::shared_ptr<ListenSocket>>;

/// All listening sockets. Loop thread only.
class SocketRegistry {
 public:
  SocketRegistry(boost::asio::io_context& io, bool v6only_default)
      : io_(io), v6only_default_(v6only_default) {}
  SocketRegistry(const SocketRegistry&) = delete;
  SocketRegistry& operator=(const SocketRegistry&) = delete;

  /// Takes the sockets a service manager passed (LISTEN_FDS, LISTEN_PID,
  /// LISTEN_FDNAMES), to be used instead of binding, and removes those
  /// variables from the environment. Returns how many were taken.
  int adopt_inherited(log::Logger& log);
  /// Inherited sockets that no endpoint wanted: logged and closed.
  void close_unclaimed(log::Logger& log);

  /// Binds (or takes from the inherited sockets) every endpoint of `plans`,
  /// staged until commit(). A plan's `replaces` are closed just before it is
  /// bound. On failure rolls back, returns false and names the failing plan
  /// in `failed`.
  bool prepare(const std::vector<SocketPlan>& plans, std::string& error, const SocketPlan*& failed);
  /// Registers what prepare() staged.
  void commit();
  /// Closes what prepare() staged and binds again, with their previous
  /// options, the sockets it replaced (new ListenSocket objects: their
  /// services must be started again). Returns what could not be bound again,
  /// or "".
  std::string rollback();
  /// Applies changed options to a kept socket; false with `error` on failure.
  bool reconfigure(const OptionChange& change, std::string& error);
  /// Closes and forgets the sockets of `identity`.
  void close(const std::string& identity);
  /// Closes every socket (shutdown).
  void close_all();
  /// The sockets of `e`; empty when it is not registered.
  SocketList sockets(const net::Endpoint& e) const;
  bool v6only_default() const { return v6only_default_; }

 private:
  bool open(const SocketPlan& plan, SocketList& out, std::string& error);
  boost::asio::io_context& io_;
  bool v6only_default_;
  std::map<std::string, SocketList> sockets_, staged_;
  std::vector<SocketPlan> replaced_;  ///< Closed by prepare(), until commit() or rollback().
  std::map<std::string, int> inherited_;  ///< Identity -> descriptor, until claimed.
};

/// The identity of an open socket (what it is bound to), as
/// net::endpoint_identity() writes it; "" when it is not a bound socket.
std::string socket_identity(int fd);

/// The system's net.ipv6.bindv6only setting.
bool system_v6only_default();

}  // namespace superd::core
