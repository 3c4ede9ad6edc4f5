// SPDX-License-Identifier: MIT
// Supervisor, inetd mode (`superd --inetd SERVICE`): the connection another
// superserver or systemd accepted is on descriptor 0; one service serves it
// with its access rules, limits, identity and timeouts, and superd exits
// with what came of it.
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "core/supervisor.hpp"
#include "net/endpoint.hpp"
#include "superd/server.hpp"

namespace superd::core {

namespace {

int exit_code_of(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return kExitSystem;
}

}  // namespace

int Supervisor::serve_inetd(std::shared_ptr<const conf::Config> config, const std::string& name,
                            int fd, std::string& error) {
  const conf::ServiceConfig* cfg = nullptr;
  for (const conf::ServiceConfig& s : config->services)
    if (s.name == name) cfg = &s;
  if (!cfg) {
    error = "--inetd: no service '" + name + "' in " + config->conf_path;
    return kExitConfig;
  }
  // The handler program of a hub lives as long as the hub, which under
  // --inetd would be forever: one connection has no one to talk to anyway.
  if (cfg->builtin == "hub" && !cfg->hub_handler.words.empty()) {
    error = "--inetd " + name + ": a hub with hub_handler cannot serve one connection (its handler "
            "program runs as long as the hub); run the hub under superd itself";
    return kExitUsage;
  }
  struct stat st;
  int type = 0, listening = 0;
  socklen_t len = sizeof type;
  if (::fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode) ||
      ::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0) {
    error = "--inetd " + name + ": standard input is not a socket; run superd --inetd from a "
            "superserver or a systemd Accept=yes unit";
    return kExitUsage;
  }
  len = sizeof listening;
  ::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len);
  if (listening) {
    error = "--inetd " + name + ": standard input is a listening socket; --inetd serves one "
            "accepted connection (systemd: Accept=yes)";
    return kExitUsage;
  }
  bool stream = type == SOCK_STREAM;
  if (!stream && cfg->builtin.empty()) {
    error = "--inetd " + name + ": a datagram socket on standard input is served by built-ins "
            "only; run the program itself from the superserver";
    return kExitUsage;
  }
  const Builtin* builtin = cfg->builtin.empty() ? nullptr : &builtins_.at(cfg->builtin);
  if (builtin && !(stream ? builtin->make_stream || builtin->make_service : static_cast<bool>(builtin->on_datagram))) {
    error = "--inetd " + name + ": built-in '" + cfg->builtin + "' does not serve " +
            (stream ? "stream" : "datagram") + " sockets";
    return kExitUsage;
  }
  // The connection gets a descriptor of its own: 0 goes back to /dev/null,
  // so nothing superd writes or reads later reaches the peer by mistake.
  int conn = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
  if (conn < 0 || ::dup2(ctx_.null_fd, fd) < 0) {
    error = std::string("--inetd: cannot take over standard input: ") + std::strerror(errno);
    return kExitSystem;
  }
  inetd_mode_ = true;  // nothing to reload: SIGHUP is ignored
  config_ = config;
  ctx_.config = config;
  if (const conf::GlobalConfig& g = config->global; g.reverse_lookups)
    resolver_.configure(g.resolver_address, g.resolver_port, g.reverse_timeout.value, g.double_reverse_lookups);
  auto counters = std::make_shared<ServiceCounters>();
  auto service = std::make_shared<Service>(ctx_, config, *cfg, builtin, counters);
  services_.push_back(service);
  wait_signals();
  if (stream) {
    if (builtin) ::fcntl(conn, F_SETFL, ::fcntl(conn, F_GETFL) | O_NONBLOCK);
    service->serve_connection(conn);
    // A TLS relay is the connection itself: it ends after the program, once
    // the program's last bytes and the close_notify reached the client.
    while ((children_.size() > 0 || sessions_.size() > 0 || ctx_.pending > 0 || !ctx_.tls_relays->empty()) &&
           io_.run_one() > 0) {
    }
  } else {
    // Datagrams are answered until none came for `timeout` seconds.
    sockaddr_storage ss{};
    socklen_t slen = sizeof ss;
    ::getsockname(conn, reinterpret_cast<sockaddr*>(&ss), &slen);
    net::Endpoint e;
    e.transport = ss.ss_family == AF_UNIX ? net::Transport::UnixDgram : net::Transport::Udp;
    auto l = std::make_shared<ListenSocket>(io_, conn, e, "standard input", false);
    service->start({l});
    auto idle = std::chrono::duration<double>(cfg->timeout.value > 0 ? cfg->timeout.value : 1e9);
    for (std::uint64_t before = ~std::uint64_t{0}; !io_.stopped();) {
      std::uint64_t served = counters->stats.served + counters->stats.refused;
      if (served == before) break;
      before = served;
      io_.run_for(std::chrono::duration_cast<std::chrono::nanoseconds>(idle));
    }
    service->release();
    l->close();
  }
  if (counters->stats.refused > 0) return kExitRefused;
  if (counters->stats.failed > 0) return kExitSystem;
  return builtin || ctx_.last_status < 0 ? kExitOk : exit_code_of(ctx_.last_status);
}

}  // namespace superd::core
