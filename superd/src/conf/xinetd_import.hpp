// SPDX-License-Identifier: MIT
// `superd --import-xinetd FILE`: reads an xinetd configuration (its `include`
// and `includedir` files and its `defaults` block) and writes the equivalent
// superd conf. Pure apart from the XinetdFiles seam, so tests and the fuzzer
// feed it files held in memory. xinetd_parse.cpp reads the syntax into
// XinetdConf; xinetd_import.cpp maps it onto superd's keys.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "superd/diagnostic.hpp"

namespace superd::conf {

/// How the importer reaches the file system; tests replace both functions.
struct XinetdFiles {
  /// Reads the whole regular file at `path` into `text`; returns why it cannot, or "".
  std::function<std::string(const std::string& path, std::string& text)> read;
  /// Lists the names of the regular files in directory `dir`; returns why it cannot, or "".
  std::function<std::string(const std::string& dir, std::vector<std::string>& names)> list;
};

/// The real file system: regular files of at most kMaxConfFileSize bytes, read without blocking.
XinetdFiles system_files();

/// How an attribute line assigns: `=`, `+=` or `-=`.
enum class XinetdOp { Set, Add, Remove };

/// One `NAME OP VALUE...` line of a service or defaults block.
struct XinetdAttr {
  std::string name;
  XinetdOp op = XinetdOp::Set;
  std::vector<std::string> values;  ///< The words after the operator; may be empty.
  std::string file;
  int line = 0;
};

/// A `service NAME { ... }` block, or the (merged) `defaults { ... }` blocks.
struct XinetdEntry {
  std::string name;  ///< Service name; empty for defaults.
  std::string file;
  int line = 0;  ///< Line of the `service` or `defaults` keyword; 0 when there is none.
  std::vector<XinetdAttr> attrs;
};

/// A parsed xinetd configuration: every file read, in order.
struct XinetdConf {
  std::vector<std::string> files;
  XinetdEntry defaults;
  std::vector<XinetdEntry> services;
};

/// True when xinetd knows attribute `name` (in a service or in defaults).
bool xinetd_attribute_known(const std::string& name);
/// Every attribute xinetd knows, for the documentation test.
std::vector<std::string> xinetd_attribute_names();

/// Reads `path` and what it includes into `out`, checking the syntax: braces,
/// operators, attribute names, value counts, where each attribute may appear.
/// Returns false with located errors in `diags`.
bool parse_xinetd(const std::string& path, const XinetdFiles& files, XinetdConf& out,
                  std::vector<Diagnostic>& diags);

/// only_from / no_access entries as superd rules.
struct XinetdHosts {
  std::vector<std::string> cidrs;     ///< For cidr_allow / cidr_deny.
  std::vector<std::string> patterns;  ///< Host and domain names, for allow / deny.
};

/// Converts xinetd address entries (a.b.c.d with 0 as wildcard octets,
/// a.b.{c,d}, ADDR/BITS, IPv6 addresses, host names, .domain names); false
/// with `error` naming the first entry that is none of them.
bool xinetd_hosts(const std::vector<std::string>& entries, XinetdHosts& out, std::string& error);

/// The port of service `name` (or an alias) for `proto` in /etc/services text; 0 when absent.
int services_port(std::string_view services, const std::string& name, const std::string& proto);

/// Imports the xinetd configuration at `path` as superd conf text into `out`,
/// which is left empty unless the whole import succeeds. `services` is the
/// text of /etc/services, for the ports of services that name none.
bool import_xinetd(const std::string& path, const XinetdFiles& files, const std::string& services,
                   std::string& out, std::vector<Diagnostic>& diags);

}  // namespace superd::conf
