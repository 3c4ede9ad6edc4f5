// SPDX-License-Identifier: MIT
// Typed values of configuration keys and their parsers: one parse_value
// overload per type, used for user input and for the schema's defaults alike.
// Parsers never throw; they return false and set `error`.
#pragma once

#include <sys/resource.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "log/record.hpp"
#include "net/access.hpp"
#include "net/cidr.hpp"
#include "net/proxy_header.hpp"
#include "net/tls_context.hpp"

namespace superd::conf {

/// A program's argv, split like a POSIX shell splits words (no expansion).
struct Argv {
  std::vector<std::string> words;  ///< The program's argv.
  std::string path;  ///< The file run when it is not words[0]: "@PATH ARGV0 ARGS...".
  /// The file to run: `path`, or the first word.
  const std::string& program() const { return path.empty() ? words.front() : path; }
};
/// The longest duration a key takes: 30 days.
inline constexpr double kSecondsMax = 30 * 24 * 3600;
/// A duration in seconds ("30", "1.5", "30s", "5m", "2h"), at most kSecondsMax.
struct Seconds {
  double value = 0;
};
/// An octal permission mask such as 0660; -1 when unset.
struct FileMode {
  int value = -1;
};
/// A listen backlog: a positive number or SOMAXCONN.
struct Backlog {
  int value = 0;  ///< 0 means SOMAXCONN.
};
/// A resource limit: "unlimited", or a number with an optional K/M/G suffix.
struct Limit {
  bool set = false;
  rlim_t value = 0;
};
/// A socket buffer size in bytes ("65536", "64K", "1M"); 0 keeps the system's default.
struct ByteSize {
  int value = 0;
};
/// A packet mark (SO_MARK): decimal or 0x hexadecimal, 0 to 0xffffffff.
struct Mark {
  std::uint32_t value = 0;
};
/// How a child's stderr is connected.
enum class StderrMode { Log, Socket, Null };
/// What a message hub's clients speak (hub_protocol).
enum class HubProtocol { Line, Json };
/// What becomes of a peer that stops reading while others send to it (slow_reader).
enum class SlowReader { Disconnect, Drop };
/// A signal superd forwards to programs: "SIGUSR2", "USR2" or "usr2".
struct Signal {
  int number = 0;
  std::string name;  ///< "SIGUSR2".
  friend bool operator==(const Signal& a, const Signal& b) { return a.number == b.number; }
};
/// A syslog facility such as daemon or local0, as the LOG_* number.
struct Facility {
  int value = 0;
};
/// A log level 0 (err) .. 4 (debug).
struct LogLevel {
  int value = 2;
};
/// A KEY=VALUE environment entry.
struct EnvEntry {
  std::string text;
};
/// An environment variable name (passenv).
struct EnvName {
  std::string text;
};

bool parse_value(std::string_view text, bool& out, std::string& error);
bool parse_value(std::string_view text, int& out, std::string& error);
bool parse_value(std::string_view text, double& out, std::string& error);
bool parse_value(std::string_view text, std::string& out, std::string& error);
bool parse_value(std::string_view text, std::optional<bool>& out, std::string& error);
bool parse_value(std::string_view text, std::optional<int>& out, std::string& error);
bool parse_value(std::string_view text, Argv& out, std::string& error);
bool parse_value(std::string_view text, Seconds& out, std::string& error);
bool parse_value(std::string_view text, FileMode& out, std::string& error);
bool parse_value(std::string_view text, Backlog& out, std::string& error);
bool parse_value(std::string_view text, Limit& out, std::string& error);
bool parse_value(std::string_view text, ByteSize& out, std::string& error);
bool parse_value(std::string_view text, Mark& out, std::string& error);
bool parse_value(std::string_view text, StderrMode& out, std::string& error);
bool parse_value(std::string_view text, HubProtocol& out, std::string& error);
bool parse_value(std::string_view text, SlowReader& out, std::string& error);
bool parse_value(std::string_view text, log::Format& out, std::string& error);
bool parse_value(std::string_view text, net::ProxyVersion& out, std::string& error);
bool parse_value(std::string_view text, net::TlsVerify& out, std::string& error);
bool parse_value(std::string_view text, net::TlsVersion& out, std::string& error);
bool parse_value(std::string_view text, Facility& out, std::string& error);
bool parse_value(std::string_view text, Signal& out, std::string& error);
bool parse_value(std::string_view text, LogLevel& out, std::string& error);
bool parse_value(std::string_view text, EnvEntry& out, std::string& error);
bool parse_value(std::string_view text, EnvName& out, std::string& error);
bool parse_value(std::string_view text, net::Cidr& out, std::string& error);
bool parse_value(std::string_view text, net::Pattern& out, std::string& error);

/// Any signal superd knows by name ("SIGTERM", "TERM", "term"), including
/// those forward_signals refuses; false when `text` names none.
bool signal_by_name(std::string_view text, Signal& out);
/// Splits `text` into words like a POSIX shell, without any expansion.
bool split_words(std::string_view text, std::vector<std::string>& words, std::string& error);
/// The inverse for one word: `word` as split_words() reads it back (in a
/// shell's single quotes when it holds anything but plain characters).
std::string quote_word(std::string_view word);

/// Name of each value type as --help and the man page show it.
template <class T> inline constexpr const char* kTypeName = "string";
template <> inline constexpr const char* kTypeName<bool> = "boolean";
template <> inline constexpr const char* kTypeName<int> = "integer";
template <> inline constexpr const char* kTypeName<std::optional<int>> = "integer";
template <> inline constexpr const char* kTypeName<double> = "number";
template <> inline constexpr const char* kTypeName<std::optional<bool>> = "boolean";
template <> inline constexpr const char* kTypeName<Argv> = "command";
template <> inline constexpr const char* kTypeName<Seconds> = "seconds";
template <> inline constexpr const char* kTypeName<FileMode> = "octal-mode";
template <> inline constexpr const char* kTypeName<Backlog> = "backlog";
template <> inline constexpr const char* kTypeName<Limit> = "limit";
template <> inline constexpr const char* kTypeName<ByteSize> = "bytes";
template <> inline constexpr const char* kTypeName<Mark> = "mark";
template <> inline constexpr const char* kTypeName<StderrMode> = "log|socket|null";
template <> inline constexpr const char* kTypeName<HubProtocol> = "line|json";
template <> inline constexpr const char* kTypeName<SlowReader> = "disconnect|drop";
template <> inline constexpr const char* kTypeName<log::Format> = "text|logfmt|json";
template <> inline constexpr const char* kTypeName<net::ProxyVersion> = "no|v1|v2|any";
template <> inline constexpr const char* kTypeName<net::TlsVerify> = "none|optional|required";
template <> inline constexpr const char* kTypeName<net::TlsVersion> = "1.2|1.3";
template <> inline constexpr const char* kTypeName<Facility> = "facility";
template <> inline constexpr const char* kTypeName<Signal> = "signal";
template <> inline constexpr const char* kTypeName<LogLevel> = "0-4";
template <> inline constexpr const char* kTypeName<EnvEntry> = "NAME=VALUE";
template <> inline constexpr const char* kTypeName<EnvName> = "NAME";
template <> inline constexpr const char* kTypeName<net::Cidr> = "cidr";
template <> inline constexpr const char* kTypeName<net::Pattern> = "regex";

}  // namespace superd::conf
