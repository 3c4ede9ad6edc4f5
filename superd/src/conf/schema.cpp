// SPDX-License-Identifier: MIT
#include "conf/schema.hpp"

#include <algorithm>

#ifndef SUPERD_SYSCONFDIR
#define SUPERD_SYSCONFDIR "/etc"
#endif

namespace superd::conf {

namespace {

using G = GlobalConfig;
using S = ServiceConfig;
constexpr bool One = false, Many = true;
constexpr Scope Global = Scope::Global, Service = Scope::Service, Both = Scope::Both;

// clang-format off
const KeySpec kKeys[] = {
  // name            scope    repeat default      doc / target
  {"conf_file",      Global,  One,  SUPERD_SYSCONFDIR "/superd.conf",
   "Configuration file to read (cannot be set inside a conf file).", to<&G::conf_file>()},
  {"include",        Global,  Many, "",
   "Glob of further conf files, relative to the including file; matches read in sorted order.",
   to<&G::include>()},
  {"inetd_conf",     Global,  Many, "",
   "File in inetd.conf's format whose entries are services too; superd reloads when it changes.",
   to<&G::inetd_conf>()},
  {"log_level",      Both,    One,  "2",
   "Log verbosity: 0 err, 1 warning, 2 notice, 3 info, 4 debug.", to<&S::log_level>()},
  {"log_file",       Global,  One,  "",
   "Log to stderr, syslog, journal (journald's socket), or append to this file; empty: stderr (syslog when background).",
   to<&G::log_file>()},
  {"log_format",     Global,  One,  "text",
   "How log lines are written: text (superd's classic lines), logfmt, or json (one object a line).",
   to<&G::log_format>()},
  {"syslog_ident",   Global,  One,  "superd", "Program name in syslog lines.", to<&G::syslog_ident>()},
  {"syslog_facility", Global, One,  "daemon", "Syslog facility (daemon, auth, local0..local7, ...).",
   to<&G::syslog_facility>()},
  {"pid_file",       Global,  One,  "",
   "Lock this file and write superd's process id in it while running; one superd per file.",
   to<&G::pid_file>()},
  {"background",     Global,  One,  "no",
   "Detach after binding: new session, cwd /, stdio on /dev/null (stderr kept when the log goes there).",
   to<&G::background>()},
  {"setsid",         Global,  One,  "no", "Start a new session (setsid) at start-up.", to<&G::setsid>()},
  {"user",           Both,    One,  "", "User a service's program runs as (required for exec services under root); global: the user superd drops to after binding.",
   to<&S::user>()},
  {"group",          Both,    One,  "", "Group a service's program runs as (default: the user's primary group); global: superd's own group after the drop.",
   to<&S::group>()},
  {"chroot",         Both,    One,  "", "Directory a service's program is confined to (chroot) before exec; global, with user: superd's own, after binding.",
   to<&S::chroot>()},
  {"max_connections", Global, One,  "-1", "Connections served at once over all services; -1 unlimited.",
   to<&G::max_connections>(), nullptr, -1},
  {"shutdown_timeout", Global, One, "10", "Seconds to let connections finish when stopping.",
   to<&G::shutdown_timeout>()},
  {"stop_children",  Global,  One,  "no", "On SIGTERM/SIGINT also stop running programs (TERM, then KILL).",
   to<&G::stop_children>()},
  {"metrics",        Global,  One,  "",
   "Serve Prometheus metrics at /metrics over HTTP on this HOST:PORT or Unix socket path; empty: off.",
   to<&G::metrics>()},
  {"reverse_lookups", Global, One,  "no", "Look up TCP clients' host names (DNS PTR), asynchronously: allow/deny also match the name, programs get TCPREMOTEHOST.",
   to<&G::reverse_lookups>()},
  {"double_reverse_lookups", Global, One, "no", "Use a client's name only when it resolves back to the client's address.",
   to<&G::double_reverse_lookups>()},
  {"reverse_resolver", Global, One, "", "DNS server for reverse lookups: IP, IP:PORT or [IPv6]:PORT; empty: the first nameserver of /etc/resolv.conf.",
   to<&G::reverse_resolver>()},
  {"reverse_timeout", Global, One, "2", "Seconds a connection waits for its name before it is served without one (at most 60).",
   to<&G::reverse_timeout>()},
  {"control_socket", Global,  One,  "",
   "Unix stream socket (an absolute path) on which superd takes commands from superd ctl; empty: none.",
   to<&G::control_socket>()},
  {"control_socket_mode", Global, One, "0600", "Permissions of the control socket file (octal).",
   to<&G::control_socket_mode>()},
  {"control_users",  Global,  Many, "",
   "User (name or uid) allowed to use the control socket besides root and superd's own user.",
   to<&G::control_users>()},
  {"host",           Both,    One,  "*", "Address for endpoints that name none; * is every address.",
   to<&S::host>()},
  {"proto",          Both,    One,  "tcp", "Protocol for endpoints that name none: tcp, udp or unix.",
   to<&S::proto>()},
  {"listen",         Both,    One,  "SOMAXCONN", "Listen backlog of stream endpoints.", to<&S::listen>()},
  {"port",           Service, Many, "", "Endpoint to listen on (see ENDPOINTS); repeat for more.",
   to<&S::port>()},
  {"v6only",         Both,    One,  "", "yes: '*' and '[::]' endpoints take IPv6 only; no: also IPv4; unset: '*' both, '[::]' as net.ipv6.bindv6only.",
   to<&S::v6only>()},
  {"reuse_port",     Both,    One,  "no", "SO_REUSEPORT: let other sockets (another superd, another server) bind the same TCP/UDP address; the kernel spreads connections.",
   to<&S::reuse_port>()},
  {"freebind",       Both,    One,  "no", "IP_FREEBIND: bind TCP/UDP endpoints to an address not (yet) configured on this host.",
   to<&S::freebind>()},
  {"bind_to_device", Both,    One,  "", "SO_BINDTODEVICE: TCP/UDP endpoints take traffic from this network interface only.",
   to<&S::bind_to_device>()},
  {"keepalive",      Both,    One,  "no", "SO_KEEPALIVE on TCP connections: probe idle peers, drop dead ones.",
   to<&S::keepalive>()},
  {"keepalive_time", Both,    One,  "0", "TCP_KEEPIDLE: idle seconds before the first keepalive probe; 0 the system's default.",
   to<&S::keepalive_time>()},
  {"keepalive_interval", Both, One, "0", "TCP_KEEPINTVL: seconds between keepalive probes; 0 the system's default.",
   to<&S::keepalive_interval>()},
  {"keepalive_count", Both,   One,  "0", "TCP_KEEPCNT: unanswered probes before a TCP connection is dropped; 0 the system's default.",
   to<&S::keepalive_count>(), nullptr, 0, 127},
  {"nodelay",        Both,    One,  "no", "TCP_NODELAY on TCP connections: send small writes at once (no Nagle delay).",
   to<&S::nodelay>()},
  {"defer_accept",   Both,    One,  "0", "TCP_DEFER_ACCEPT: wake for a TCP connection only once it sent data, waiting this many seconds; 0 off.",
   to<&S::defer_accept>()},
  {"send_buffer",    Both,    One,  "0", "SO_SNDBUF of every endpoint's socket (bytes, K or M); 0 the system's default.",
   to<&S::send_buffer>()},
  {"receive_buffer", Both,    One,  "0", "SO_RCVBUF of every endpoint's socket (bytes, K or M); 0 the system's default.",
   to<&S::receive_buffer>()},
  {"mark",           Both,    One,  "0", "SO_MARK of TCP/UDP sockets, for routing and firewall rules (needs CAP_NET_ADMIN); 0 none.",
   to<&S::mark>()},
  {"ip_tos",         Both,    One,  "0", "IP_TOS / IPV6_TCLASS byte of TCP/UDP traffic, 0 to 255.",
   to<&S::ip_tos>(), nullptr, 0, 255},
  {"exec",           Service, One,  "", "Program and arguments, split into words like a shell does, never run by a shell.",
   to<&S::exec>()},
  {"builtin",        Service, One,  "", "Built-in service that answers instead of a program.",
   to<&S::builtin>()},
  {"wait",           Service, One,  "", "yes: the program gets the listening socket and superd waits for it; no on UDP: a program per peer (UDP session); default: no for stream, yes for datagram.",
   to<&S::wait>()},
  {"listen_fds",     Service, One,  "no", "yes: a wait-mode program gets its socket as systemd passes it (fd 3, LISTEN_FDS, LISTEN_PID, LISTEN_FDNAMES), stdin and stdout on /dev/null.",
   to<&S::listen_fds>()},
  {"prefork",        Service, One,  "0", "Wait mode: copies of the program kept running on each socket, each accepting for itself, restarted when they exit; 0 none (one started when a client comes).",
   to<&S::prefork>(), nullptr, 0, 1024},
  {"tcpmux_name",    Service, One,  "", "Name by which a TCPMUX service (builtin = tcpmux) hands clients to this one; a leading '+' has superd answer '+Go' first.",
   to<&S::tcpmux_name>()},
  {"hub_protocol",   Service, One,  "line", "builtin = hub: what clients speak, line (MESSAGE params per line) or json (one JSON object per line, routed by id).",
   to<&S::hub_protocol>()},
  {"hub_handler",    Service, One,  "", "builtin = hub, line protocol: program started with the service that reads client events on stdin and writes send/all/except/close commands on stdout; empty: a chat.",
   to<&S::hub_handler>()},
  {"max_message",    Service, One,  "64K", "builtin = hub: longest line or JSON object a client may send (bytes, K or M, at most 16M); a longer one closes that client.",
   to<&S::max_message>()},
  {"slow_reader",    Service, One,  "disconnect", "Service-wide built-ins (hub): a client whose unsent output passes the high-water mark is disconnected, or the messages for it are dropped and counted (drop).",
   to<&S::slow_reader>()},
  {"umask",          Service, One,  "", "File creation mask of the program (octal).", to<&S::umask>()},
  {"nice",           Service, One,  "", "Scheduling priority of the program, -20..19.", to<&S::nice>(),
   nullptr, -20, 19},
  {"env",            Service, Many, "", "NAME=VALUE added to the program's environment.", to<&S::env>()},
  {"passenv",        Service, Many, "", "Name of a variable of superd's environment passed to the program.",
   to<&S::passenv>()},
  {"rlimit_as",      Service, One,  "", "Address space limit of the program (bytes, K/M/G, unlimited).",
   to<&S::rlimit_as>()},
  {"rlimit_core",    Service, One,  "", "Core file size limit of the program.", to<&S::rlimit_core>()},
  {"rlimit_cpu",     Service, One,  "", "CPU time limit of the program, in seconds.", to<&S::rlimit_cpu>()},
  {"rlimit_data",    Service, One,  "", "Data segment limit of the program.", to<&S::rlimit_data>()},
  {"rlimit_fsize",   Service, One,  "", "File size limit of the program.", to<&S::rlimit_fsize>()},
  {"rlimit_nofile",  Service, One,  "", "Open file limit of the program.", to<&S::rlimit_nofile>()},
  {"rlimit_nproc",   Service, One,  "", "Process count limit of the program's user.", to<&S::rlimit_nproc>()},
  {"rlimit_stack",   Service, One,  "", "Stack size limit of the program.", to<&S::rlimit_stack>()},
  {"max_instances",  Both,    One,  "-1", "Connections of this service served at once; -1 unlimited, 0 paused.",
   to<&S::max_instances>(), nullptr, -1},
  {"max_per_source", Service, One,  "-1", "Connections at once from one address; -1 unlimited.",
   to<&S::max_per_source>(), nullptr, -1},
  {"max_rate",       Service, One,  "0", "New connections per second before accepting pauses; 0 unlimited.",
   to<&S::max_rate>()},
  {"busy_message",   Service, One,  "", "Line sent (with CRLF) to a client refused by a limit, before closing.",
   to<&S::busy_message>()},
  {"timeout",        Both,    One,  "300", "Idle seconds before a built-in connection is closed or a UDP session's program gets SIGTERM; 0 never.",
   to<&S::timeout>()},
  {"forward_signals", Service, Many, "", "Signal superd passes on to this service's running programs when it gets it (SIGUSR2, SIGWINCH, ...).",
   to<&S::forward_signals>()},
  {"stderr",         Service, One,  "log", "Program's stderr: log (superd's log), socket, or null.",
   to<&S::stderr_mode>()},
  {"allow",          Both,    Many, "", "Regex on the peer address; when allow rules exist, one must match.",
   to<&S::allow>()},
  {"deny",           Both,    Many, "", "Regex on the peer address that refuses it.", to<&S::deny>()},
  {"cidr_allow",     Both,    Many, "", "Address block allowed (e.g. 10.0.0.0/8).", to<&S::cidr_allow>()},
  {"cidr_deny",      Both,    Many, "", "Address block refused.", to<&S::cidr_deny>()},
  {"proxy_protocol", Service, One,  "no", "Read a PROXY protocol header (v1, v2 or any) before anything else; the client it names is the peer.",
   to<&S::proxy_protocol>()},
  {"proxy_from",     Both,    Many, "", "Address block (CIDR) allowed to send a PROXY protocol header; others are refused.",
   to<&S::proxy_from>()},
  {"tls_cert",       Both,    Many, "", "Certificate chain file (PEM) that turns TLS on; repeat with tls_key for more, chosen by the name the client asks for (SNI).",
   to<&S::tls_cert>()},
  {"tls_key",        Both,    Many, "", "Private key file (PEM) of the tls_cert at the same position.",
   to<&S::tls_key>()},
  {"tls_ca",         Both,    One,  "", "File or directory of CA certificates that client certificates are checked against.",
   to<&S::tls_ca>()},
  {"tls_verify_client", Both, One,  "none", "Client certificates: none (not asked for), optional (checked when sent), required.",
   to<&S::tls_verify_client>()},
  {"tls_min_version", Both,   One,  "1.2", "Oldest TLS version accepted: 1.2 or 1.3.",
   to<&S::tls_min_version>()},
  {"tls_ciphers",    Both,    One,  "", "OpenSSL cipher list for TLS 1.2; empty: OpenSSL's default.",
   to<&S::tls_ciphers>()},
  {"tls_ciphersuites", Both,  One,  "", "OpenSSL cipher suites for TLS 1.3 (colon-separated); empty: OpenSSL's default.",
   to<&S::tls_ciphersuites>()},
  {"tls_alpn",       Both,    One,  "", "ALPN protocols offered, comma-separated, most preferred first (h2,http/1.1); empty: none.",
   to<&S::tls_alpn>()},
  {"tls_handshake_timeout", Both, One, "10", "Seconds a client has to complete the TLS handshake.",
   to<&S::tls_handshake_timeout>()},
  {"allow_users",    Both,    Many, "", "User (name or uid) whose processes may connect to Unix stream endpoints; when allow_users or allow_groups is set, one must match.",
   to<&S::allow_users>()},
  {"allow_groups",   Both,    Many, "", "Group (name or gid) whose members may connect to Unix stream endpoints (the peer's group or a supplementary one).",
   to<&S::allow_groups>()},
  {"socket_mode",    Service, One,  "", "Permissions of Unix socket files (octal); default from superd's umask.",
   to<&S::socket_mode>()},
  {"socket_owner",   Service, One,  "", "Owner of Unix socket files.", to<&S::socket_owner>()},
  {"socket_group",   Service, One,  "", "Group of Unix socket files.", to<&S::socket_group>()},
  {"disabled",       Service, One,  "no", "Keep the service defined but do not listen.", to<&S::disabled>()},
};
// clang-format on

// Edit distance counting an adjacent transposition ("prot" -> "port") as one edit.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i)
    for (std::size_t j = 1; j <= b.size(); ++j) {
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1,
                          d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.size()][b.size()];
}

}  // namespace

std::span<const KeySpec> keys() { return kKeys; }

const KeySpec* find_key(std::string_view name) {
  for (const KeySpec& k : kKeys)
    if (name == k.name) return &k;
  return nullptr;
}

std::string closest(std::string_view word, const std::vector<std::string>& candidates) {
  std::size_t limit = word.size() < 4 ? 1 : (word.size() < 8 ? 2 : 3);
  std::string found;
  std::size_t best = limit + 1, best_len_diff = 0;
  for (const auto& c : candidates) {
    std::size_t d = edit_distance(word, c);
    std::size_t len_diff = c.size() > word.size() ? c.size() - word.size() : word.size() - c.size();
    // Ties go to the candidate of the closest length: a swap beats an insertion.
    if (d < best || (d == best && len_diff < best_len_diff)) {
      best = d, best_len_diff = len_diff, found = c;
    }
  }
  return best <= limit ? found : std::string();
}

std::string suggest_key(std::string_view name) {
  std::vector<std::string> names;
  for (const KeySpec& k : kKeys) names.emplace_back(k.name);
  return closest(name, names);
}

const char* default_conf_path() { return kKeys[0].def; }

}  // namespace superd::conf
