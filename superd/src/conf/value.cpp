// SPDX-License-Identifier: MIT
#include "conf/value.hpp"

#include <syslog.h>

#include <cctype>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstdlib>

namespace superd::conf {

namespace {

std::string quoted(std::string_view text) { return "'" + std::string(text) + "'"; }

bool parse_long(std::string_view text, long long& out) {
  if (text.empty() || text.size() > 19) return false;
  std::string s(text);
  char* end = nullptr;
  errno = 0;
  out = std::strtoll(s.c_str(), &end, 10);
  return errno == 0 && end && *end == '\0' && !std::isspace(static_cast<unsigned char>(s[0]));
}

bool valid_env_name(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  return true;
}

}  // namespace

bool parse_value(std::string_view text, bool& out, std::string& error) {
  static const std::string_view kYes[] = {"yes", "true", "on", "1"};
  static const std::string_view kNo[] = {"no", "false", "off", "0"};
  std::string lower;
  for (char c : text) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (auto y : kYes)
    if (lower == y) return out = true, true;
  for (auto n : kNo)
    if (lower == n) return out = false, true;
  error = quoted(text) + " is not a boolean (expected yes/no, true/false, on/off, 1/0)";
  return false;
}

bool parse_value(std::string_view text, int& out, std::string& error) {
  long long v = 0;
  if (!parse_long(text, v) || v < -2147483648LL || v > 2147483647LL) {
    error = quoted(text) + " is not an integer";
    return false;
  }
  out = static_cast<int>(v);
  return true;
}

bool parse_value(std::string_view text, double& out, std::string& error) {
  std::string s(text);
  char* end = nullptr;
  errno = 0;
  double v = s.empty() ? 0 : std::strtod(s.c_str(), &end);
  if (s.empty() || errno != 0 || *end != '\0' || !std::isfinite(v) || v < 0) {
    error = quoted(text) + " is not a non-negative number";
    return false;
  }
  out = v;
  return true;
}

bool parse_value(std::string_view text, std::string& out, std::string&) {
  out = std::string(text);
  return true;
}

bool parse_value(std::string_view text, std::optional<bool>& out, std::string& error) {
  if (text.empty()) return out.reset(), true;
  bool v = false;
  if (!parse_value(text, v, error)) return false;
  out = v;
  return true;
}

bool parse_value(std::string_view text, std::optional<int>& out, std::string& error) {
  if (text.empty()) return out.reset(), true;
  int v = 0;
  if (!parse_value(text, v, error)) return false;
  out = v;
  return true;
}

bool split_words(std::string_view text, std::vector<std::string>& words, std::string& error) {
  words.clear();
  std::string word;
  bool in_word = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
      continue;
    }
    in_word = true;
    if (c == '\\') {
      if (++i == text.size()) {
        error = "a backslash at the end of the command escapes nothing";
        return false;
      }
      word += text[i];
    } else if (c == '\'') {
      auto close = text.find('\'', i + 1);
      if (close == std::string_view::npos) {
        error = "unterminated single quote at column " + std::to_string(i + 1);
        return false;
      }
      word.append(text.substr(i + 1, close - i - 1));
      i = close;
    } else if (c == '"') {
      std::size_t j = i + 1;
      for (; j < text.size() && text[j] != '"'; ++j) {
        // Inside double quotes a backslash escapes only ", \ and $ (POSIX,
        // minus expansion); before anything else it is an ordinary character.
        if (text[j] == '\\' && j + 1 < text.size() &&
            (text[j + 1] == '"' || text[j + 1] == '\\' || text[j + 1] == '$'))
          ++j;
        word += text[j];
      }
      if (j >= text.size()) {
        error = "unterminated double quote at column " + std::to_string(i + 1);
        return false;
      }
      i = j;
    } else {
      word += c;
    }
  }
  if (in_word) words.push_back(std::move(word));
  return true;
}

std::string quote_word(std::string_view word) {
  bool plain = !word.empty();
  for (char c : word)
    if (!std::isalnum(static_cast<unsigned char>(c)) && std::string_view("@%+=:,./_-").find(c) == std::string_view::npos)
      plain = false;
  if (plain) return std::string(word);
  std::string out = "'";
  for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

bool parse_value(std::string_view text, Argv& out, std::string& error) {
  out = Argv{};
  if (!split_words(text, out.words, error)) return false;
  if (text.find_first_not_of(" \t") != std::string_view::npos && out.words.empty()) {
    error = "exec names no program";
    return false;
  }
  // "@PATH ARGV0 ARGS..." runs PATH with an argv of its own, as inetd.conf's
  // server and arguments fields do (tcpd finds the daemon by its argv[0]).
  if (!out.words.empty() && out.words[0].size() > 1 && out.words[0][0] == '@') {
    out.path = out.words[0].substr(1);
    out.words.erase(out.words.begin());
    if (out.words.empty()) {
      error = "'@" + out.path + "' needs the program's argv[0] after it";
      return false;
    }
  }
  if (out.words.empty()) return true;
  const std::string& program = out.program();
  if (program.empty() || program[0] != '/') {
    error = "program " + quoted(program) + " must be an absolute path (e.g. /usr/sbin/sshd)";
    return false;
  }
  return true;
}

bool parse_value(std::string_view text, Seconds& out, std::string& error) {
  double scale = 1;
  std::string_view num = text;
  if (!num.empty()) {
    switch (num.back()) {
      case 's': num.remove_suffix(1); break;
      case 'm': scale = 60, num.remove_suffix(1); break;
      case 'h': scale = 3600, num.remove_suffix(1); break;
      default: break;
    }
  }
  double v = 0;
  if (!parse_value(num, v, error)) {
    error = quoted(text) + " is not a duration (seconds, or a number followed by s, m or h)";
    return false;
  }
  // Longer ones would overflow the event loop's clock (a timer that fires at once).
  if (v * scale > kSecondsMax) {
    error = quoted(text) + " is too long a duration (at most " + std::to_string(static_cast<long>(kSecondsMax)) +
            " seconds, 30 days)";
    return false;
  }
  out.value = v * scale;
  return true;
}

bool parse_value(std::string_view text, FileMode& out, std::string& error) {
  if (text.empty()) return out.value = -1, true;
  int v = 0;
  bool ok = text.size() <= 4;
  for (char c : text) {
    ok = ok && c >= '0' && c <= '7';
    v = v * 8 + (c - '0');
  }
  if (!ok) {
    error = quoted(text) + " is not an octal mode (e.g. 0660)";
    return false;
  }
  out.value = v;
  return true;
}

bool parse_value(std::string_view text, Backlog& out, std::string& error) {
  if (text == "SOMAXCONN" || text == "somaxconn") return out.value = 0, true;
  int v = 0;
  if (!parse_value(text, v, error) || v < 1) {
    error = quoted(text) + " is not a backlog (a positive number or SOMAXCONN)";
    return false;
  }
  out.value = v;
  return true;
}

bool parse_value(std::string_view text, Limit& out, std::string& error) {
  if (text.empty()) return out = Limit{}, true;
  if (text == "unlimited" || text == "infinity") return out = Limit{true, RLIM_INFINITY}, true;
  unsigned long long scale = 1;
  std::string_view num = text;
  switch (num.back()) {
    case 'k': case 'K': scale = 1ULL << 10; num.remove_suffix(1); break;
    case 'm': case 'M': scale = 1ULL << 20; num.remove_suffix(1); break;
    case 'g': case 'G': scale = 1ULL << 30; num.remove_suffix(1); break;
    default: break;
  }
  long long v = 0;
  if (!parse_long(num, v) || v < 0 || static_cast<unsigned long long>(v) > (~0ULL) / scale) {
    error = quoted(text) + " is not a limit (a number with optional K, M or G, or unlimited)";
    return false;
  }
  out = Limit{true, static_cast<rlim_t>(static_cast<unsigned long long>(v) * scale)};
  return true;
}

bool parse_value(std::string_view text, ByteSize& out, std::string& error) {
  // The kernel doubles what it is given and keeps an int: 1 GiB - 1 at most.
  constexpr long long kMax = (1LL << 30) - 1;
  long long scale = 1;
  std::string_view num = text;
  if (!num.empty() && (num.back() == 'k' || num.back() == 'K')) scale = 1 << 10, num.remove_suffix(1);
  else if (!num.empty() && (num.back() == 'm' || num.back() == 'M')) scale = 1 << 20, num.remove_suffix(1);
  long long v = 0;
  if (!parse_long(num, v) || v < 0 || v > kMax / scale) {
    error = quoted(text) + " is not a buffer size (bytes, or a number followed by K or M; "
            "at most 1023M)";
    return false;
  }
  out.value = static_cast<int>(v * scale);
  return true;
}

bool parse_value(std::string_view text, Mark& out, std::string& error) {
  std::string s(text);
  bool hex = s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
  bool ok = !s.empty() && s.size() <= 10;  // "4294967295", "0xffffffff"
  for (std::size_t i = hex ? 2 : 0; ok && i < s.size(); ++i)
    ok = hex ? std::isxdigit(static_cast<unsigned char>(s[i])) != 0
             : std::isdigit(static_cast<unsigned char>(s[i])) != 0;
  unsigned long long v = ok ? std::strtoull(s.c_str(), nullptr, hex ? 16 : 10) : 0;
  if (!ok || v > 0xffffffffULL) {
    error = quoted(text) + " is not a mark (0 to 4294967295, or 0x0 to 0xffffffff)";
    return false;
  }
  out.value = static_cast<std::uint32_t>(v);
  return true;
}

bool parse_value(std::string_view text, StderrMode& out, std::string& error) {
  if (text == "log") return out = StderrMode::Log, true;
  if (text == "socket") return out = StderrMode::Socket, true;
  if (text == "null") return out = StderrMode::Null, true;
  error = quoted(text) + " is not a stderr mode (expected log, socket or null)";
  return false;
}

bool parse_value(std::string_view text, HubProtocol& out, std::string& error) {
  if (text == "line") return out = HubProtocol::Line, true;
  if (text == "json") return out = HubProtocol::Json, true;
  error = quoted(text) + " is not a hub protocol (expected line or json)";
  return false;
}

bool parse_value(std::string_view text, SlowReader& out, std::string& error) {
  if (text == "disconnect") return out = SlowReader::Disconnect, true;
  if (text == "drop") return out = SlowReader::Drop, true;
  error = quoted(text) + " is not a slow-reader policy (expected disconnect or drop)";
  return false;
}

bool parse_value(std::string_view text, log::Format& out, std::string& error) {
  if (text == "text") return out = log::Format::Text, true;
  if (text == "logfmt") return out = log::Format::Logfmt, true;
  if (text == "json") return out = log::Format::Json, true;
  error = quoted(text) + " is not a log format (expected text, logfmt or json)";
  return false;
}

bool parse_value(std::string_view text, net::ProxyVersion& out, std::string& error) {
  if (text == "no") return out = net::ProxyVersion::Off, true;
  if (text == "v1") return out = net::ProxyVersion::V1, true;
  if (text == "v2") return out = net::ProxyVersion::V2, true;
  if (text == "any") return out = net::ProxyVersion::Any, true;
  error = quoted(text) + " is not a PROXY protocol setting (expected no, v1, v2 or any)";
  return false;
}

bool parse_value(std::string_view text, net::TlsVerify& out, std::string& error) {
  if (text == "none") return out = net::TlsVerify::None, true;
  if (text == "optional") return out = net::TlsVerify::Optional, true;
  if (text == "required") return out = net::TlsVerify::Required, true;
  error = quoted(text) + " is not a client certificate check (expected none, optional or required)";
  return false;
}

bool parse_value(std::string_view text, net::TlsVersion& out, std::string& error) {
  if (text == "1.2" || text == "TLSv1.2") return out = net::TlsVersion::V1_2, true;
  if (text == "1.3" || text == "TLSv1.3") return out = net::TlsVersion::V1_3, true;
  error = quoted(text) + " is not a TLS version (expected 1.2 or 1.3)";
  return false;
}

bool parse_value(std::string_view text, Facility& out, std::string& error) {
  static const struct { const char* name; int value; } kFacilities[] = {
      {"auth", LOG_AUTH}, {"authpriv", LOG_AUTHPRIV}, {"cron", LOG_CRON}, {"daemon", LOG_DAEMON},
      {"ftp", LOG_FTP}, {"kern", LOG_KERN}, {"lpr", LOG_LPR}, {"mail", LOG_MAIL},
      {"news", LOG_NEWS}, {"syslog", LOG_SYSLOG}, {"user", LOG_USER}, {"uucp", LOG_UUCP},
      {"local0", LOG_LOCAL0}, {"local1", LOG_LOCAL1}, {"local2", LOG_LOCAL2},
      {"local3", LOG_LOCAL3}, {"local4", LOG_LOCAL4}, {"local5", LOG_LOCAL5},
      {"local6", LOG_LOCAL6}, {"local7", LOG_LOCAL7}};
  for (const auto& f : kFacilities)
    if (text == f.name) return out.value = f.value, true;
  error = quoted(text) + " is not a syslog facility (e.g. daemon, auth, local0 .. local7)";
  return false;
}

namespace {
// The signals superd names, and why superd keeps those it uses for itself.
struct SignalName {
  const char* name;
  int number;
  const char* use;  ///< Why superd cannot forward it; nullptr when it can.
};
constexpr SignalName kSignals[] = {
    {"USR2", SIGUSR2, nullptr}, {"WINCH", SIGWINCH, nullptr}, {"URG", SIGURG, nullptr},
    {"PWR", SIGPWR, nullptr}, {"TSTP", SIGTSTP, nullptr}, {"CONT", SIGCONT, nullptr},
    {"TTIN", SIGTTIN, nullptr}, {"TTOU", SIGTTOU, nullptr}, {"ALRM", SIGALRM, nullptr},
    {"VTALRM", SIGVTALRM, nullptr}, {"PROF", SIGPROF, nullptr}, {"IO", SIGIO, nullptr},
    {"XCPU", SIGXCPU, nullptr}, {"XFSZ", SIGXFSZ, nullptr},
    {"HUP", SIGHUP, "reloads superd"}, {"TERM", SIGTERM, "stops superd"},
    {"INT", SIGINT, "stops superd"}, {"QUIT", SIGQUIT, "stops superd and its programs"},
    {"USR1", SIGUSR1, "writes superd's status to its log"},
    {"CHLD", SIGCHLD, "tells superd a program ended"}, {"PIPE", SIGPIPE, "is ignored by superd"},
    {"KILL", SIGKILL, "cannot be caught"}, {"STOP", SIGSTOP, "cannot be caught"}};

const SignalName* find_signal(std::string_view text) {
  std::string name(text);
  for (char& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (name.rfind("SIG", 0) == 0) name.erase(0, 3);
  for (const auto& sig : kSignals)
    if (name == sig.name) return &sig;
  return nullptr;
}
}  // namespace

bool signal_by_name(std::string_view text, Signal& out) {
  const SignalName* sig = find_signal(text);
  if (!sig) return false;
  out = Signal{sig->number, std::string("SIG") + sig->name};
  return true;
}

bool parse_value(std::string_view text, Signal& out, std::string& error) {
  const SignalName* sig = find_signal(text);
  if (!sig) {
    error = quoted(text) + " is not a signal superd can forward (e.g. SIGUSR2, SIGWINCH)";
    return false;
  }
  if (sig->use) {
    error = std::string("SIG") + sig->name + " " + sig->use + " and cannot be forwarded";
    return false;
  }
  return signal_by_name(text, out);
}

bool parse_value(std::string_view text, LogLevel& out, std::string& error) {
  int v = 0;
  if (!parse_value(text, v, error) || v < 0 || v > 4) {
    error = quoted(text) + " is not a log level (0 err, 1 warning, 2 notice, 3 info, 4 debug)";
    return false;
  }
  out.value = v;
  return true;
}

bool parse_value(std::string_view text, EnvEntry& out, std::string& error) {
  auto eq = text.find('=');
  if (eq == std::string_view::npos || !valid_env_name(text.substr(0, eq))) {
    error = quoted(text) + " is not NAME=VALUE with NAME made of letters, digits and '_'";
    return false;
  }
  out.text = std::string(text);
  return true;
}

bool parse_value(std::string_view text, EnvName& out, std::string& error) {
  if (!valid_env_name(text)) {
    error = quoted(text) + " is not an environment variable name";
    return false;
  }
  out.text = std::string(text);
  return true;
}

bool parse_value(std::string_view text, net::Cidr& out, std::string& error) {
  return net::parse_cidr(text, out, error);
}

bool parse_value(std::string_view text, net::Pattern& out, std::string& error) {
  if (net::Pattern::compile(text, out, error)) return true;
  error = "'" + std::string(text) + "': " + error;
  return false;
}

}  // namespace superd::conf
