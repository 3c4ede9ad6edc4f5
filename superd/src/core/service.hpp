// SPDX-License-Identifier: MIT
// Service: one configured service at run time. Wires the sockets it takes
// from the SocketRegistry to access rules, limits, and either a built-in or
// a program:
//   accept -> access -> limits -> StreamSession | spawn (nowait)
//   readable -> spawn with the socket itself, stop watching until exit (wait)
//   N programs kept running on the socket, never watched (wait, prefork)
//   readable -> DatagramPort (datagram built-ins)
//   readable -> a program per peer, datagrams relayed (wait = no, datagram)
// A Service holds the configuration snapshot it was made from; its children
// and sessions hold the Service, so a reload that replaces or removes it
// leaves their end lines and counts right.
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <sys/socket.h>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "conf/config.hpp"
#include "core/context.hpp"
#include "core/lazy_timer.hpp"
#include "core/limits.hpp"
#include "core/socket_registry.hpp"
#include "core/stats.hpp"
#include "net/cidr.hpp"
#include "net/proxy_header.hpp"
#include "proc/spawn_plan.hpp"

namespace superd::core {

class StreamSession;
class ServiceRuntime;
struct TlsPair;

/// The name of the TCPMUX built-in, which the Service serves itself.
inline constexpr const char* kTcpmux = "tcpmux";
/// The name of the message hub built-in, made by the Service itself (it starts programs).
inline constexpr const char* kHub = "hub";
/// UDP sessions a service runs at most when max_instances is unset: one
/// datagram from each of many source ports (or forged sources) would
/// otherwise start as many programs.
inline constexpr int kUdpSessionsDefaultMax = 64;

/// What `superd ctl` holds a service to: it accepts only when None.
enum class Hold : std::uint8_t {
  None,      ///< Accepting (limits permitting).
  Paused,    ///< `pause`: connections wait in the backlog until `resume`.
  Draining,  ///< `drain`: not accepting; live connections finish.
  Drained,   ///< `drain` done: the last connection ended; not accepting until `resume`.
};

/// A service's counts, kept by the Supervisor under the service's name, so
/// the Service that replaces it on a reload continues them and connections
/// of the old one still count against the limits.
struct ServiceCounters {
  ServiceStats stats;
  std::weak_ptr<Service> current;  ///< The Service serving under this name now.
  SourceCounter sources;  ///< Live connections per source (max_per_source, TCPCONNNUM).
  SourceHistory history;  ///< Connections and refusals per source since the start.
  /// Kept here, under the name, so that it lasts through reloads until `resume`.
  Hold hold = Hold::None;
  /// The service-wide built-in's runtime, shared by the Services that
  /// follow one another through reloads while its signature stays the same.
  std::weak_ptr<ServiceRuntime> runtime;
  /// Runs once when a drain ends (Draining becomes Drained); may be empty.
  std::function<void()> drained;
  /// Draining with nothing active any more: becomes Drained and runs `drained`.
  void settle_drain() {
    if (hold != Hold::Draining || stats.active > 0) return;
    hold = Hold::Drained;
    auto done = std::move(drained);
    drained = nullptr;
    if (done) done();
  }
};

/// One service's sockets and connections. Loop thread only.
class Service : public std::enable_shared_from_this<Service> {
 public:
  Service(Context& ctx, std::shared_ptr<const conf::Config> snapshot, const conf::ServiceConfig& cfg,
          const Builtin* builtin, std::shared_ptr<ServiceCounters> counters);
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  /// Takes over `sockets` and starts watching them.
  void start(SocketList sockets);
  /// Stops watching its sockets, which stay open (the registry closes
  /// them); live connections and programs are not touched.
  void release();
  /// Re-arms sockets paused by a limit that may have room now.
  void resume();
  /// True when a socket it serves was closed under it: a reload that failed
  /// after replacing it, which bound it again as a new socket.
  bool lost_socket() const;
  /// Bound addresses, for the log.
  std::vector<std::string> addresses() const;
  /// The limit that keeps it from accepting now ("max_instances",
  /// "max_connections", "max_rate"), or nullptr.
  const char* limited_by() const { return paused_ ? pause_reason_ : nullptr; }
  const conf::ServiceConfig& config() const { return cfg_; }
  const ServiceStats& stats() const { return counters_->stats; }

  /// Serves one connection accepted elsewhere (`superd --inetd`): access
  /// rules, limits, then the built-in or program, as for its own sockets.
  /// Takes `fd`.
  void serve_connection(int fd);
  /// Serves a connection that named this service through TCPMUX (`via`,
  /// the tcpmux endpoint; `host`, the client's name if known): its access rules and limits, then `+Go` when
  /// `ack`, then the built-in or program; a refusal answers `-` and why.
  /// Takes `fd`.
  void serve_via_tcpmux(int fd, const std::string& via, bool ack, const std::string& host = "");
  /// A socket of this service is readable (dispatched through ListenSocket::owner).
  void on_ready(ListenSocket& l);
  /// Watches `l` again when nothing holds it back.
  void arm(ListenSocket& l);
  /// A wait-mode program on `l` exited; `fast` when it left input unread at once.
  void after_wait_exit(ListenSocket& l, bool fast, int status);
  /// A preforked program on `l` exited; `fast` when it lived less than a second.
  void after_prefork_exit(ListenSocket& l, bool fast, int status);
  /// `superd ctl` paused, drained or resumed the service: preforked programs
  /// are stopped while it is held, started again when it is not.
  void hold_changed();

 private:
  struct Peer;
  struct UdpSession;
  bool owns(const ListenSocket& l) const { return l.owner_tag == this; }
  bool wait_mode(const ListenSocket& l) const;
  /// Makes `l` blocking for a wait-mode program, non-blocking otherwise.
  void set_mode(ListenSocket& l);
  void back_off(ListenSocket& l, std::chrono::steady_clock::duration delay);
  void accept_some(ListenSocket& l);
  /// TLS: makes spare_pair_, the socketpair the next client will need; false
  /// (errno set) when there are no descriptors for it.
  bool reserve_tls_pair();
  /// nullptr to accept; otherwise the limit that stops it, and in `why` which one.
  const char* check_limits(bool& pause, Refusal& why);
  Peer make_peer(bool unix_domain, int fd, const sockaddr_storage& ss, socklen_t len);
  void on_connection(int fd, Peer& peer);
  /// proxy_protocol: checks that `peer` may send a header, reads it, and
  /// goes on with the client it names (service_proxy.cpp).
  void read_proxy_header(int fd, const Peer& peer);
  void on_proxy_header(int fd, Peer peer, const net::ProxyHeader& h);
  /// Access rules and max_per_source, then the built-in or program.
  void admit_and_serve(int fd, Peer& peer);
  /// TLS: the handshake, then the built-in or program on the relay's plain end (service_tls.cpp).
  void serve_tls(int fd, Peer& peer);
  /// reverse_lookups: admit_and_serve() again once `peer`'s name is known or
  /// given up; meanwhile other clients are served. Takes `fd`.
  void look_up(int fd, const Peer& peer);
  /// Empty when the Unix peer on `fd` passes allow_users / allow_groups, else the reason.
  std::string peer_users_refuse(int fd, const Peer& peer) const;
  bool admit_datagram(const sockaddr_storage& from, socklen_t len, const std::string& endpoint);
  /// Turns `peer` away; `rule` is the access rule that decided, if one did.
  void refuse(int fd, const Peer& peer, Refusal why, const std::string& rule, bool send_busy);
  void serve_builtin(int fd, const Peer& peer);
  /// Makes runtime_, or takes its predecessor's when the built-in's keys did not change.
  void make_runtime();
  /// `builtin = tcpmux`: reads the name line, then hands `fd` on.
  void serve_mux(int fd, const Peer& peer);
  /// The name line of a TCPMUX client arrived: HELP, or the service it
  /// names. Returns what became of it, for the end line ("help", "to=NAME", "unknown").
  std::string route_mux(int fd, const std::string& name, const Peer& peer);
  /// Answers a TCPMUX client `-reply` and closes; logged as a refusal for `why`.
  void refuse_mux(int fd, const Peer& peer, const std::string& reply, const std::string& why);
  void serve_program(int fd, const Peer& peer);
  /// Keeps `fd` until a process can be made for it (see held_).
  void hold(int fd, const Peer& peer);
  /// Tries the held client's spawn again.
  void retry_held();
  void run_waiting(ListenSocket& l);
  /// wait = no on a datagram socket: a program per peer (UDP sessions, service_udp.cpp).
  bool session_mode(const ListenSocket& l) const {
    return !builtin_ && !l.endpoint.stream() && !wait_mode(l);
  }
  /// Reads the datagrams waiting on `l` (a bounded number) and hands each to
  /// its peer's session, starting a session for a new peer.
  void relay_from_peers(ListenSocket& l);
  /// The first datagram `data` of a new peer at `from`: access rules and
  /// limits, then a program; a refusal drops it.
  void start_session(ListenSocket& l, const sockaddr_storage& from, msghdr& m,
                     std::string key, std::string_view data);
  /// Spawns the program of a session; false when none could be made.
  bool spawn_session(const std::shared_ptr<UdpSession>& s, int child_end);
  /// Drops a new peer's datagram for `why` and logs the refusal.
  void refuse_datagram(const Peer& peer, Refusal why, const std::string& rule);
  /// Hands `data` to the program of `s`, queueing it (bounded) when the
  /// program is behind. False when the program has closed its socket.
  bool to_program(const std::shared_ptr<UdpSession>& s, std::string_view data);
  /// Sends queued datagrams to the program once its socket has room.
  void flush_to_program(const std::shared_ptr<UdpSession>& s);
  /// Relays what the program of `s` writes to its peer, from the bound socket.
  void from_program(const std::shared_ptr<UdpSession>& s);
  void watch_program(const std::shared_ptr<UdpSession>& s);
  /// Ends `s` once `timeout` seconds pass with no datagram either way.
  void watch_idle(const std::shared_ptr<UdpSession>& s);
  /// Ends the program of `s` with SIGTERM (SIGKILL after shutdown_timeout);
  /// `why` for the log. New datagrams of its peer start a new session.
  void end_session(const std::shared_ptr<UdpSession>& s, const char* why);
  void session_exited(const std::shared_ptr<UdpSession>& s, int status, double t0, pid_t pid);
  /// Ends every session (the service stops serving: removed, changed, or shutdown).
  void end_sessions(const char* why);
  /// True when `l` is served by preforked programs rather than watched.
  bool prefork_mode(const ListenSocket& l) const { return cfg_.prefork > 0 && wait_mode(l); }
  /// Starts or stops preforked programs on `l` until as many run as wanted now.
  void fill_prefork(ListenSocket& l);
  /// Starts one preforked program on `l`; false when none could be made.
  bool start_preforked(ListenSocket& l);
  void begin(Peer& peer);
  /// A connection begun with begin() ended; `started` is when it was handed
  /// over (now_seconds), or negative when it never was.
  void finish(const Peer& peer, double started);
  /// A connection or program ended: paused sockets (this service's, or its
  /// successor's after a reload) may accept again.
  void capacity_back();
  /// Starts the program of `plan` on `stdio_fd`; its pid goes to `pid_out`
  /// when given. `can_hold`: a client that finds no process to make (EAGAIN,
  /// ENOMEM) is kept and tried again (false for a UDP session's datagram, dropped).
  bool start_child(proc::SpawnPlan& plan, const std::string& peer_text, int stdio_fd,
                   std::function<void(int status, double started, pid_t pid)> on_exit,
                   pid_t* pid_out = nullptr, bool can_hold = true);
  /// True when this service's messages at `level` are written.
  bool logs(int level) const;
  void slog(int level, const std::string& message);
  /// The value of the limit `limit` (not Access), for the log.
  double limit_value(Refusal limit) const;
  /// The pause line: check_limits() named `limit` ("max_rate", or `why`'s name).
  void log_pause(const ListenSocket& l, const char* limit, Refusal why);
  /// The refuse line; `rule` is the access rule that decided, if one did.
  void log_refusal(std::string_view peer, std::string_view endpoint, Refusal why,
                   std::string_view rule, std::string_view via = {});
  /// The end line of a program's connection (`peer`; the endpoint itself for wait mode).
  void log_end(std::string_view peer, std::string_view endpoint, pid_t pid, int status, double started,
               std::string_view via = {});
  /// The end line of a built-in's connection.
  void log_end(const Peer& peer, const StreamSession& s);

  Context& ctx_;
  std::shared_ptr<const conf::Config> snapshot_;  ///< Keeps `cfg_` and `program_`'s strings alive.
  const conf::ServiceConfig& cfg_;
  const Builtin* builtin_;
  std::shared_ptr<ServiceCounters> counters_;
  /// Set for a service-wide built-in (a hub, or a Builtin with make_service).
  std::shared_ptr<ServiceRuntime> runtime_;
  proc::ProgramTemplate program_;
  SocketList sockets_;
  TokenBucket bucket_;
  /// Per-source counts cost a map entry per connection: kept only when
  /// max_per_source or a program's TCPCONNNUM needs them.
  bool track_sources_;
  LazyTimer rate_timer_;
  bool rate_waiting_ = false;
  bool paused_ = false;
  const char* pause_reason_ = nullptr;  ///< The limit that set `paused_`.
  bool pause_logged_ = false;
  bool released_ = false;
  /// start_child found no process to make (EAGAIN, ENOMEM) and may retry.
  bool spawn_retry_ = false;
  bool retrying_ = false;  ///< retry_held() is running: its failure was logged already.
  /// A client accepted when no process could be made: it is served once one
  /// can be (retried every second and when a program ends); meanwhile the
  /// others wait in the backlog.
  struct Held;
  std::unique_ptr<Held> held_;
  std::shared_ptr<TlsPair> spare_pair_;  ///< TLS: made before the next accept (reserve_tls_pair).
  LazyTimer retry_timer_;
  /// UDP sessions by bound socket and peer address; a session that is
  /// ending has left this map and lives on in its program's callback.
  std::unordered_map<std::string, std::shared_ptr<UdpSession>> udp_sessions_;
  /// Refusals of new UDP peers are logged at most once a second: when the
  /// last one was (now_seconds), and how many were not logged since.
  double refusal_logged_at_ = -1;
  std::uint64_t refusals_unlogged_ = 0;
};

/// One client, as access rules, limits and the child environment see it.
struct Service::Peer {
  std::string text;    ///< "1.2.3.4:5555" or "unix:pid=42,uid=0".
  std::string source;  ///< What max_per_source counts: the IP, or "uid:N".
  std::string endpoint;  ///< The socket it came in on, as ListenSocket::address names it.
  bool ip = false;
  bool counted = false;  ///< Added to the per-source counts (removed at the end).
  net::IpAddress addr;
  std::uint16_t port = 0;
  ucred cred{};
  bool has_cred = false;
  /// Set when a PROXY protocol header named the client: then `text`, `addr`,
  /// `port` and `source` are the client's, and `via` the balancer's address.
  std::string via;
  bool has_local = false;  ///< The header named the address the client connected to, too.
  net::IpAddress local_addr;
  std::uint16_t local_port = 0;
  std::vector<std::string> tls_env;  ///< SSL_* entries for a program's environment (TLS).
  std::shared_ptr<TlsPair> tls_pair;  ///< TLS: the socketpair reserved for it at accept.
  std::string host;     ///< Its name (reverse_lookups); empty: none known.
  bool named = false;   ///< The lookup is done (or not wanted).
};

/// A client kept until a process can be made for it.
struct Service::Held {
  int fd;
  Peer peer;
};

/// Asks the kernel to say where each datagram on `fd` was sent (IP_PKTINFO,
/// IPV6_RECVPKTINFO), so that UDP session replies leave from that address.
void enable_pktinfo(int fd);
/// True when `fd` has input waiting now.
bool readable_now(int fd);
/// Fills `addr`/`port` from an IPv4 or IPv6 address (mapped IPv4 as IPv4).
bool ip_of(const sockaddr_storage& ss, net::IpAddress& addr, std::uint16_t& port);

}  // namespace superd::core
