// SPDX-License-Identifier: MIT
// inetd.conf, read natively: the classic seven-field format as Debian's
// openbsd-inetd reads it, each entry turned into the settings of one superd
// service, located at its file and line.
//
//   [HOST:]SERVICE SOCKTYPE PROTO wait|nowait[.MAX] USER[.GROUP|:GROUP] SERVER [ARGV0 ARGS...]
//
// A line holding only "HOST:" sets the host of the entries after it ("*:"
// resets it). Lines starting with '#' are comments, among them the entries
// update-inetd disabled ("#<off># ...") and its "#:GROUP:" headers.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "conf/setting.hpp"
#include "conf/value.hpp"
#include "superd/diagnostic.hpp"

namespace superd::conf {

/// One entry of an inetd.conf file.
struct InetdEntry {
  std::string file;
  int line = 0;
  std::string host;      ///< From "HOST:SERVICE" or a "HOST:" line; empty or "*": every address.
  std::string service;   ///< Service name or port number; the socket's path for "unix".
  std::string socktype;  ///< "stream" or "dgram".
  std::string proto;     ///< tcp, tcp4, tcp6, tcp46, udp, udp4, udp6, udp46 or unix.
  bool wait = false;
  int max = -1;          ///< ".MAX": programs started per minute; -1 when not given.
  std::string user, group;
  std::string server;              ///< An absolute path, or "internal".
  std::vector<std::string> args;   ///< The program's argv, from argv[0].
  std::string text;                ///< The line as written.
};

/// Parses inetd.conf text read from `file`, appending its entries; every bad
/// line is an error in `diags` naming file:line, and adds no entry.
void parse_inetd_conf(std::string_view text, const std::string& file,
                      std::vector<InetdEntry>& out, std::vector<Diagnostic>& diags);

/// Reads the inetd.conf file at `path` (a regular file, as conf files are).
/// A file that does not exist adds a warning and no entry when `missing_ok`,
/// as inetd's do, else an error.
void read_inetd_conf(const std::string& path, std::vector<InetdEntry>& out,
                     std::vector<Diagnostic>& diags, bool missing_ok = true);

/// The service name an entry gets: its service (for "unix", the socket file's
/// name) made a valid section name, followed by "-PROTO" when another entry
/// of `all` has the same service, and a number when that is not enough.
std::vector<std::string> inetd_service_names(const std::vector<InetdEntry>& all);

/// The settings of every entry: `port`, `exec` ("@SERVER ARGV0 ARGS...") or
/// `builtin`, `wait`, `user`, `group`, `max_rate` (MAX / 60) and `v6only`,
/// in sections named by inetd_service_names(), each at its file:line.
Settings inetd_settings(const std::vector<InetdEntry>& all);

/// superd conf sections for `all` (--import-inetd): each entry's settings
/// after a comment quoting its line.
std::string render_inetd_import(const std::vector<InetdEntry>& all);

}  // namespace superd::conf
