// SPDX-License-Identifier: MIT
// The typed configuration: plain structs built once per load from the winning
// settings, never modified afterwards. Nothing outside conf/ sees text keys.
#pragma once

#include <sys/types.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "conf/privileges.hpp"
#include "conf/setting.hpp"
#include "conf/shown.hpp"
#include "conf/value.hpp"
#include "net/access.hpp"
#include "net/endpoint.hpp"
#include "net/socket_options.hpp"

namespace superd::conf {

/// A user and group resolved when the configuration loads.
struct Identity {
  bool set = false;  ///< False: the child keeps superd's own identity.
  std::string user;
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;  ///< Supplementary groups of `user`.
};

/// One service: a `[name]` section plus inherited global defaults.
struct ServiceConfig {
  std::string name;
  // Endpoints.
  std::vector<std::string> port;  ///< As written; parsed into `endpoints`.
  std::string host = "*";
  std::string proto = "tcp";
  Backlog listen;
  std::optional<bool> v6only;  ///< Unset: "*" dual-stack, "[::]" as the system says.
  // Socket options (superd.conf(5) SOCKET OPTIONS); 0 or empty: the system's default.
  bool reuse_port = false;
  bool freebind = false;
  std::string bind_to_device;
  bool keepalive = false;
  Seconds keepalive_time, keepalive_interval;
  int keepalive_count = 0;
  bool nodelay = false;
  Seconds defer_accept;
  ByteSize send_buffer, receive_buffer;
  Mark mark;
  int ip_tos = 0;
  // What serves a connection: exactly one of these.
  Argv exec;
  std::string builtin;
  std::optional<bool> wait;  ///< Unset: no for stream endpoints, yes for datagram.
  bool listen_fds = false;   ///< A wait-mode program gets its socket as fd 3 (sd_listen_fds).
  /// TCPMUX name of the service ('+' first: superd answers "+Go"); empty: not reachable that way.
  std::string tcpmux_name;
  int prefork = 0;  ///< Wait-mode programs kept running on each socket; 0: one when a client comes.
  // Message hub (builtin = hub) and service-wide built-ins.
  HubProtocol hub_protocol = HubProtocol::Line;
  Argv hub_handler;  ///< Empty: the line hub is a chat on its own.
  ByteSize max_message;  ///< Longest line or JSON object a hub client may send, in bytes.
  SlowReader slow_reader = SlowReader::Disconnect;
  // Child set-up.
  std::string user, group, chroot;
  FileMode umask;
  std::optional<int> nice;
  std::vector<EnvEntry> env;
  std::vector<EnvName> passenv;
  Limit rlimit_as, rlimit_core, rlimit_cpu, rlimit_data;  ///< Unset: inherited from superd.
  Limit rlimit_fsize, rlimit_nofile, rlimit_nproc, rlimit_stack;
  StderrMode stderr_mode = StderrMode::Log;
  std::vector<Signal> forward_signals;  ///< Passed on to this service's running programs.
  // Limits and access.
  int max_instances = -1;
  int max_per_source = -1;
  double max_rate = 0;
  std::string busy_message;
  Seconds timeout;
  std::vector<net::Pattern> allow, deny;
  std::vector<net::Cidr> cidr_allow, cidr_deny;
  // PROXY protocol: a header before the client's bytes names the client.
  net::ProxyVersion proxy_protocol = net::ProxyVersion::Off;
  std::vector<net::Cidr> proxy_from;  ///< Peers allowed to send the header.
  // TLS termination: on when tls_cert is set.
  std::vector<std::string> tls_cert, tls_key;  ///< Paired by position.
  std::string tls_ca;
  net::TlsVerify tls_verify_client = net::TlsVerify::None;
  net::TlsVersion tls_min_version = net::TlsVersion::V1_2;
  std::string tls_ciphers, tls_ciphersuites;
  std::string tls_alpn;  ///< Comma-separated protocol names.
  Seconds tls_handshake_timeout;
  std::vector<std::string> allow_users, allow_groups;  ///< Names or numbers, as written.
  // Unix endpoints.
  FileMode socket_mode;
  std::string socket_owner, socket_group;
  bool disabled = false;
  LogLevel log_level;

  // Derived when the configuration is finalised.
  std::vector<net::Endpoint> endpoints;
  net::AccessPolicy access;
  /// The loaded TLS context; null when the service does not use TLS.
  std::shared_ptr<const net::TlsContext> tls;
  net::PeerUsers peer_users;  ///< allow_users / allow_groups resolved.
  Identity identity;
  uid_t socket_uid = static_cast<uid_t>(-1);  ///< -1: leave as created.
  gid_t socket_gid = static_cast<gid_t>(-1);
};

/// The options of the sockets of `s`'s endpoints that can change while bound.
net::ListenOptions listen_options(const ServiceConfig& s);

/// Keys of the supervisor itself.
struct GlobalConfig {
  std::string conf_file;
  std::vector<std::string> include;
  std::vector<std::string> inetd_conf;  ///< inetd.conf files read, as absolute paths.
  std::string log_file;  ///< "stderr", "syslog", "journal" or a path; empty: stderr, or syslog when `background`.
  log::Format log_format = log::Format::Text;
  std::string syslog_ident = "superd";
  Facility syslog_facility;
  std::string pid_file;
  bool background = false;
  bool setsid = false;
  int max_connections = -1;
  Seconds shutdown_timeout;
  bool stop_children = false;
  bool reverse_lookups = false;
  bool double_reverse_lookups = false;  ///< A name is used only if it resolves back to the address.
  std::string reverse_resolver;  ///< As written; empty: the first nameserver of /etc/resolv.conf.
  Seconds reverse_timeout;       ///< How long a connection waits for its name.
  net::IpAddress resolver_address;  ///< `reverse_resolver` (or resolv.conf's) parsed.
  std::uint16_t resolver_port = 53;
  std::string metrics;  ///< Where to serve Prometheus metrics: HOST:PORT or a Unix path; empty: off.
  /// `metrics` parsed (a TCP or Unix stream endpoint); unset when off.
  std::optional<net::Endpoint> metrics_endpoint;
  /// The control socket `superd ctl` talks to (an absolute path); empty: none.
  std::string control_socket;
  FileMode control_socket_mode;  ///< Permissions of the control socket file (0600 by default).
  std::vector<std::string> control_users;  ///< Users (names or uids) allowed besides root and superd's own.
  std::vector<uid_t> control_uids;  ///< `control_users` resolved when the configuration loads.
  /// Values of keys valid in both scopes, set in the global section:
  /// the starting point of every service.
  ServiceConfig defaults;
};

/// A whole, valid configuration.
struct Config {
  GlobalConfig global;
  std::vector<ServiceConfig> services;
  std::string conf_path;   ///< The conf file read; "(embedded)" for the built-in default.
  bool embedded = false;   ///< True when no conf file existed and the default was used.
  /// Effective text and origin of every key set, by section ("" global).
  ShownTable shown;
  std::vector<std::string> service_order;  ///< Section names in the order defined.
  /// Who superd serves this configuration as. With `self.dropped`, superd
  /// started as root and drops to it after binding (or has dropped already).
  Privileges self;
};

}  // namespace superd::conf
