// SPDX-License-Identifier: MIT
// The rest of one xinetd service's mapping: limits, access rules, the
// program's environment and resource limits, banner_fail, and the comments
// for whatever is left.
#include <tuple>

#include "conf/xinetd_service.hpp"
#include "net/cidr.hpp"

namespace superd::conf {

using namespace xinetd_detail;

namespace {

// A number of bytes, seconds or files, as xinetd writes it: digits, then K or M.
bool limit_number(std::string v) {
  if (!v.empty() && std::string_view("kKmM").find(v.back()) != std::string_view::npos) v.pop_back();
  return !v.empty() && v.size() <= 15 && v.find_first_not_of("0123456789") == std::string::npos;
}

// Why an attribute without a superd key has none.
const char* no_equivalent(const std::string& attr) {
  static const std::map<std::string, const char*> kWhy = {
      {"log_type", "superd logs through its global log_file and syslog_facility"},
      {"log_on_success", "superd logs one line per connection end, with peer, pid, status and duration"},
      {"log_on_failure", "superd logs every refused connection with its reason"},
      {"access_times", "superd has no time-of-day access rules"},
      {"libwrap", "superd does not consult TCP wrappers; use cidr_allow and cidr_deny"},
      {"mdns", "superd does not register services with mDNS"},
      {"max_load", "superd does not watch the load average"},
      {"deny_time", "superd has no SENSOR services"},
      {"banner", "superd sends no banner file"},
      {"banner_success", "superd sends no banner file"},
      {"redirect", "superd does not forward connections to another host"},
      {"rpc_version", "superd serves no RPC services"},
      {"rpc_number", "superd serves no RPC services"},
      {"rlimit_rss", "Linux does not enforce RLIMIT_RSS"},
      {"groups", "superd always gives a program its user's supplementary groups"},
  };
  auto it = kWhy.find(attr);
  return it == kWhy.end() ? "superd has no such setting" : it->second;
}

const char* flag_why(const std::string& flag) {
  static const std::map<std::string, const char*> kWhy = {
      {"INTERCEPT", "superd checks the access rules on every connection it accepts"},
      {"NORETRY", "superd logs a failed fork and goes on"},
      {"IDONLY", "superd makes no RFC 1413 identification"},
      {"NODELAY", "TCP_NODELAY applies to TCP services only"},
      {"KEEPALIVE", "SO_KEEPALIVE applies to TCP services only"},
      {"NOLIBWRAP", "superd never consults TCP wrappers"},
      {"LABELED", "superd sets no SELinux context"},
      {"REUSE", "superd always sets SO_REUSEADDR"},
  };
  auto it = kWhy.find(flag);
  return it == kWhy.end() ? "superd has no such setting" : it->second;
}

}  // namespace

void ServiceImport::limits() {
  for (auto [attr, k] : {std::pair{"instances", "max_instances"}, std::pair{"per_source", "max_per_source"}}) {
    if (!get(attr)) continue;
    std::string v = first(attr);
    if (upper(v) == "UNLIMITED") key(attr, k, "-1");
    else if (digits(v)) key(attr, k, v);
    else error(attr, std::string(attr) + " '" + v + "' is not a number or UNLIMITED");
  }
  if (const XinetdValue* v = get("cps")) {
    const std::string &rate = v->values[0], &pause = v->values[1];
    if (!digits(rate) || !digits(pause))
      return error("cps", "cps '" + joined(v->values) + "' is not two numbers",
                   "connections per second, then seconds to pause");
    key("cps", "max_rate", rate);
    comment("xinetd cps = " + rate + " " + pause + ": the " + pause +
            "-second pause has no equivalent (superd pauses accepting only while connections "
            "come faster than max_rate)");
  }
}

void ServiceImport::access(const char* attr, const char* cidr_key, const char* regex_key) {
  const XinetdValue* v = get(attr);
  if (!v) return;
  done_.insert(attr);
  bool allow = std::string_view(attr) == "only_from";
  XinetdHosts h;
  std::string err;
  if (!xinetd_hosts(v->values, h, err)) return error(attr, std::string(attr) + ": " + err);
  if (allow && v->values.empty()) {
    lines_.push_back("cidr_deny = 0.0.0.0/0");
    lines_.push_back("cidr_deny = ::/0");
    comment("xinetd only_from with no address: nobody may connect");
    return;
  }
  for (const std::string& c : h.cidrs) key(attr, cidr_key, c);
  for (const std::string& p : h.patterns) key(attr, regex_key, p);
  if (!h.patterns.empty())
    comment(std::string("xinetd ") + attr + " host names: " + regex_key +
            " matches them on the peer's reverse name, looked up only with reverse_lookups = yes: "
            "without it " + (allow ? "those hosts are refused" : "those hosts are NOT refused"));
  const XinetdValue* from = allow ? nullptr : get("only_from");
  XinetdHosts a;
  if (!from || !xinetd_hosts(from->values, a, err)) return;
  // xinetd lets the closer of two matches decide; superd's cidr_deny always wins.
  for (const std::string& at : a.cidrs)
    for (const std::string& dt : h.cidrs) {
      net::Cidr ac, dc;
      if (net::parse_cidr(at, ac, err) && net::parse_cidr(dt, dc, err) && ac.base.v6 == dc.base.v6 &&
          dc.prefix < ac.prefix && dc.contains(ac.base))
        comment("xinetd only_from " + at + " lies inside no_access " + dt +
                ": xinetd admits it (the closer match wins), superd refuses it (cidr_deny wins)");
    }
}

void ServiceImport::environment() {
  if (builtin_) return;
  if (const XinetdValue* v = get("env"))
    for (const std::string& e : v->values) key("env", "env", e);
  if (const XinetdValue* v = get("passenv")) {
    for (const std::string& n : v->values) key("passenv", "passenv", n);
    done_.insert("passenv");
  }
  done_.insert("env");
}

void ServiceImport::resources() {
  if (builtin_) return;
  for (auto [attr, k] : {std::pair{"rlimit_as", "rlimit_as"}, std::pair{"rlimit_cpu", "rlimit_cpu"},
                         std::pair{"rlimit_data", "rlimit_data"}, std::pair{"rlimit_files", "rlimit_nofile"},
                         std::pair{"rlimit_stack", "rlimit_stack"}}) {
    if (!get(attr)) continue;
    std::string v = first(attr);
    if (upper(v) == "UNLIMITED") key(attr, k, "unlimited");
    else if (limit_number(v)) key(attr, k, v);
    else error(attr, std::string(attr) + " '" + v + "' is not a number (with K or M) or UNLIMITED");
  }
}

// superd's busy_message is one line sent to a client a limit refuses; a
// one-line banner_fail file carries over as that line.
void ServiceImport::banner_fail() {
  if (!get("banner_fail")) return;
  std::string path = first("banner_fail"), text;
  if (std::string why = files_.read(path, text); !why.empty())
    return note("banner_fail", "cannot read " + path + ": " + why);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  bool one_line = !text.empty() && text.size() <= 1000 &&
                  std::none_of(text.begin(), text.end(), [](char c) {
                    return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
                  });
  if (!one_line) return note("banner_fail", "superd's busy_message is one line of text, and " + path + " is not");
  key("banner_fail", "busy_message", text);
  if (lines_.back().rfind("busy_message", 0) == 0)
    comment("xinetd banner_fail = " + path + ": its line is the busy_message, sent to clients a limit "
            "refuses (xinetd also sends it to those its address rules refuse)");
}

void ServiceImport::leftovers() {
  if (disabled_) lines_.push_back("disabled = yes");
  done_.insert({"disable", "flags"});
  if (get("v6only")) key("v6only", "v6only", first("v6only"));
  // TCP socket options: on a TCP service they are superd's keys of the same name.
  bool tcp = proto_ == "tcp";
  if (tcp && flags_.count("NODELAY")) lines_.push_back("nodelay = yes");
  if (tcp && flags_.count("KEEPALIVE")) lines_.push_back("keepalive = yes");
  for (const std::string& f : flags_)
    if (f != "IPV4" && f != "IPV6" && f != "NAMEINARGS" && f != "DISABLE" &&
        !(tcp && (f == "NODELAY" || f == "KEEPALIVE")))
      comment("xinetd flags " + f + ": no equivalent (" + flag_why(f) + ")");
  for (const auto& [name, v] : values_)
    if (v.set && !done_.count(name)) note(name, no_equivalent(name));
}

}  // namespace superd::conf
