// SPDX-License-Identifier: MIT
// One xinetd service as one superd section: the attribute mapping itself.
// A missing or malformed required attribute is an error, as it is for xinetd;
// an attribute superd has no key for is a comment saying why.
#include "conf/xinetd_service.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

#include "conf/config.hpp"
#include "conf/ini_source.hpp"
#include "conf/schema.hpp"
#include "net/endpoint.hpp"

namespace superd::conf {

using namespace xinetd_detail;

namespace {

const char* const kBuiltins[] = {"echo", "discard", "chargen", "daytime", "time"};

// inih cuts a value at a ';' that follows a blank or starts it.
bool ini_safe(const std::string& text) {
  for (std::size_t i = 0; i < text.size(); ++i)
    if (text[i] == ';' && (i == 0 || text[i - 1] == ' ' || text[i - 1] == '\t')) return false;
  return text.empty() || (text.front() != ' ' && text.back() != ' ');
}

}  // namespace

ServiceImport::ServiceImport(const XinetdEntry& svc, const XinetdValues& values,
                             std::string_view services, const XinetdFiles& files)
    : svc_(svc), values_(values), services_(services), files_(files) {
  auto it = values_.find("id");
  id_ = it != values_.end() && !it->second.values.empty() ? it->second.values[0] : svc_.name;
}

const XinetdValue* ServiceImport::get(const char* name) {
  auto it = values_.find(name);
  return it == values_.end() || !it->second.set ? nullptr : &it->second;
}

std::string ServiceImport::first(const char* name) {
  const XinetdValue* v = get(name);
  return v && !v->values.empty() ? v->values[0] : std::string();
}

void ServiceImport::error(const char* attr, std::string message, std::string hint) {
  const XinetdValue* v = attr ? get(attr) : nullptr;
  Diagnostic d;
  d.file = v ? v->file : svc_.file;
  d.line = v ? v->line : svc_.line;
  d.message = "service '" + id_ + "': " + std::move(message);
  d.hint = std::move(hint);
  diags_->push_back(std::move(d));
  ok_ = false;
}

// Writes `key = text` when superd's own parser accepts it, else says why not.
void ServiceImport::key(const char* attr, const std::string& k, const std::string& text) {
  const KeySpec* spec = find_key(k);
  ServiceConfig scratch;
  std::string why;
  if (!ini_safe(text)) why = "a ';' after a blank would start a comment";
  else if (!spec->target.apply(&scratch, {text}, spec->min, spec->max, why) && why.empty())
    why = "invalid value";
  if (why.empty()) lines_.push_back(k + " = " + text);
  else note(attr, "superd refuses '" + k + " = " + joined({text}) + "': " + why);
  done_.insert(attr);
}

void ServiceImport::note(const std::string& attr, const std::string& why) {
  auto it = values_.find(attr);
  std::string v = it == values_.end() ? "" : joined(it->second.values);
  comment("xinetd " + attr + " =" + (v.empty() ? "" : " " + v) + ": no equivalent (" + why + ")");
  done_.insert(attr);
}

void ServiceImport::disable_by_defaults(const char* attr, const char* why) {
  comment("xinetd defaults " + std::string(attr) + " " + why + ": disabled");
  disabled_ = true;
}

bool ServiceImport::yes_no(const char* attr, bool& out) {
  std::string v = upper(first(attr));
  if (v != "YES" && v != "NO") {
    error(attr, std::string(attr) + " '" + first(attr) + "' is not yes or no");
    return false;
  }
  out = v == "YES";
  return true;
}

void ServiceImport::check_types() {
  static const std::set<std::string> kTypes = {"RPC", "INTERNAL", "TCPMUX", "TCPMUXPLUS", "UNLISTED"};
  static const std::set<std::string> kFlags = {
      "INTERCEPT", "NORETRY", "IDONLY", "NAMEINARGS", "NODELAY", "KEEPALIVE", "NOLIBWRAP",
      "SENSOR", "IPV4", "IPV6", "LABELED", "REUSE", "DISABLE"};
  for (auto [attr, known, set] : {std::tuple{"type", &kTypes, &types_}, std::tuple{"flags", &kFlags, &flags_}})
    if (const XinetdValue* v = get(attr))
      for (const std::string& w : v->values) {
        if (!known->count(upper(w))) error(attr, std::string("unknown ") + attr + " '" + w + "'");
        set->insert(upper(w));
      }
  socket_type_ = first("socket_type");
  if (!get("socket_type"))
    error(nullptr, "no socket_type", "xinetd requires socket_type = stream or dgram");
  else if (socket_type_ != "stream" && socket_type_ != "dgram" && socket_type_ != "raw" &&
           socket_type_ != "seqpacket")
    error("socket_type", "socket_type '" + socket_type_ + "' is not stream, dgram, raw or seqpacket");
  bool wait = false;
  if (!get("wait")) error(nullptr, "no wait", "xinetd requires wait = yes or no");
  else yes_no("wait", wait);
  if (get("disable") && yes_no("disable", wait) && wait) disabled_ = true;
  if (flags_.count("DISABLE")) disabled_ = true;
  done_.insert({"socket_type", "protocol", "type", "id"});
}

void ServiceImport::decide_skip() {
  builtin_ = types_.count("INTERNAL") > 0;
  proto_ = get("protocol") ? first("protocol")
           : socket_type_ == "stream" ? "tcp" : socket_type_ == "dgram" ? "udp" : "";
  bool known_builtin = std::find(std::begin(kBuiltins), std::end(kBuiltins), svc_.name) != std::end(kBuiltins);
  if (types_.count("RPC")) skip_ = "RPC services need the portmapper, which superd does not use";
  else if (types_.count("TCPMUX") || types_.count("TCPMUXPLUS"))
    skip_ = "superd has no TCPMUX (RFC 1078) multiplexer";
  else if (flags_.count("SENSOR")) skip_ = "superd has no SENSOR services";
  else if (socket_type_ != "stream" && socket_type_ != "dgram")
    skip_ = "socket_type " + socket_type_ + ": superd serves stream and dgram sockets only";
  else if (proto_ != "tcp" && proto_ != "udp")
    skip_ = "protocol " + proto_ + ": superd serves tcp and udp only";
  else if ((proto_ == "tcp") != (socket_type_ == "stream"))
    skip_ = "socket_type " + socket_type_ + " over protocol " + proto_ + " has no superd endpoint";
  else if (builtin_ && !known_builtin)
    skip_ = "INTERNAL service '" + svc_.name + "' is not a superd built-in (echo, discard, chargen, daytime, time)";
  else if (!builtin_ && get("redirect"))  // xinetd forwards and never runs the server then
    skip_ = "redirect: superd does not forward connections to another host";
  else if (!builtin_ && !get("server"))
    error(nullptr, "no server", "xinetd requires server for a service that is not INTERNAL");
  else if (!builtin_ && first("server")[0] != '/')
    skip_ = "server '" + first("server") + "' is not an absolute path, which superd needs";
}

void ServiceImport::endpoint() {
  int port = 0;
  int listed = services_port(services_, svc_.name, proto_);
  if (const XinetdValue* v = get("port")) {
    std::string p = v->values[0];
    if (!digits(p) || std::stoi(p) < 1 || std::stoi(p) > 65535)
      return error("port", "port '" + p + "' is not a number from 1 to 65535");
    port = std::stoi(p);
    if (!types_.count("UNLISTED") && !listed)
      return error("port", svc_.name + "/" + proto_ + " is not in /etc/services",
                   "xinetd refuses this; add 'type = UNLISTED'");
    if (!types_.count("UNLISTED") && listed != port)
      return error("port", "port " + p + " differs from " + std::to_string(listed) + ", the port of " +
                               svc_.name + "/" + proto_ + " in /etc/services",
                   "xinetd refuses this; add 'type = UNLISTED' or give the listed port");
  } else if (types_.count("UNLISTED")) {
    return error(nullptr, "UNLISTED service without a port", "add 'port = NUMBER'");
  } else if (!(port = listed)) {
    return error(nullptr, "no port, and /etc/services lists no " + svc_.name + "/" + proto_,
                 "add 'port = NUMBER' and 'type = UNLISTED'");
  }
  std::string port_text = std::to_string(port) + "/" + proto_;
  lines_.push_back("port = " + port_text);
  done_.insert("port");
  // bind and interface are synonyms; a service's own one beats defaults'.
  const XinetdValue *b = get("bind"), *i = get("interface");
  std::string bind = b && (!i || !b->from_defaults || i->from_defaults) ? "bind" : i ? "interface" : "";
  if (!bind.empty()) {
    std::string h = first(bind.c_str());
    unsigned char buf[16];
    bool ip = inet_pton(AF_INET, h.c_str(), buf) == 1 || inet_pton(AF_INET6, h.c_str(), buf) == 1;
    bool name = !h.empty() && std::all_of(h.begin(), h.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.';
    });
    if (!ip && !name) return error(bind.c_str(), bind + " '" + h + "' is not an address or host name");
    key(bind.c_str(), "host", h);
    std::string other = bind == "bind" ? "interface" : "bind";
    if (get(other.c_str())) note(other, bind + " names the address");
  }
  bool v4 = flags_.count("IPV4"), v6 = flags_.count("IPV6");
  if (bind.empty() && (v4 != v6)) lines_.push_back(v4 ? "host = 0.0.0.0" : "host = ::");
  // The endpoint's identity as superd sees it, for the clash check.
  std::string host = !bind.empty() ? first(bind.c_str()) : v4 != v6 ? (v4 ? "0.0.0.0" : "::") : "*";
  net::Endpoint e;
  std::string err;
  if (net::parse_endpoint(port_text, host, proto_, e, err)) endpoint_ = net::endpoint_identity(e);
  else error(bind.empty() ? nullptr : bind.c_str(), "no superd endpoint for " + port_text + ": " + err);
  if (v4 || v6) comment("xinetd flags IPv4/IPv6: " + std::string(!bind.empty() ? "bind names the address" : v4 && v6 ? "both: every address (host = *)" : v4 ? "host = 0.0.0.0" : "host = ::"));
}

void ServiceImport::handler() {
  if (builtin_) {
    lines_.push_back("builtin = " + svc_.name);
    for (const char* a : {"server", "server_args", "wait", "user", "group", "nice", "umask", "env",
                          "passenv", "rlimit_as", "rlimit_cpu", "rlimit_data", "rlimit_files",
                          "rlimit_stack", "groups"})
      if (get(a)) note(a, "built-ins run inside superd");
    return;
  }
  exec_words();
  bool wait = false;
  yes_no("wait", wait);
  if (!wait && proto_ == "udp") {
    note("wait", "a datagram program gets the socket itself in superd: wait = yes");
    wait = true;
  }
  lines_.push_back(std::string("wait = ") + (wait ? "yes" : "no"));
  done_.insert("wait");
}

void ServiceImport::exec_words() {
  std::vector<std::string> words{first("server")};
  std::vector<std::string> args = get("server_args") ? get("server_args")->values : std::vector<std::string>{};
  // NAMEINARGS: server_args start with argv[0]; superd's "@PROGRAM ARGV0 ARGS" says just that.
  std::string at;
  if (flags_.count("NAMEINARGS") && !args.empty()) {
    if (args[0] == words[0]) args.erase(args.begin());
    else at = "@";
  }
  words.insert(words.end(), args.begin(), args.end());
  std::string text;
  for (const std::string& w : words) text += (text.empty() ? "" : " ") + quote_word(w);
  key("server", "exec", at + text);
  done_.insert("server_args");
}

void ServiceImport::identity() {
  if (builtin_) return;
  if (get("user")) {
    key("user", "user", first("user"));
  } else {
    lines_.push_back("user = root");
    comment("xinetd sets no user here: the program ran as xinetd's own user, root when xinetd ran as root");
  }
  if (get("group")) key("group", "group", first("group"));
  if (get("nice")) {
    std::string n = first("nice");
    std::string body = !n.empty() && n[0] == '-' ? n.substr(1) : n;
    if (!digits(body)) return error("nice", "nice '" + n + "' is not a number");
    key("nice", "nice", n);
  }
  if (get("umask")) {
    std::string u = first("umask");
    if (u.empty() || u.size() > 4 || u.find_first_not_of("01234567") != std::string::npos)
      return error("umask", "umask '" + u + "' is not an octal mask");
    key("umask", "umask", u);
  }
}

bool ServiceImport::convert(std::vector<Diagnostic>& diags) {
  std::vector<Diagnostic> mine;
  diags_ = &mine;
  if (!convert_all() && disabled_) {
    // xinetd drops a disabled service before checking it: so does the import.
    skip_ = "disabled, and not checked by xinetd: " + mine.front().str();
    return true;
  }
  diags.insert(diags.end(), mine.begin(), mine.end());
  return ok_;
}

bool ServiceImport::convert_all() {
  check_types();
  if (!ok_) return false;
  decide_skip();
  if (!ok_ || !skip_.empty()) return ok_;
  endpoint();
  handler();
  identity();
  limits();
  access("only_from", "cidr_allow", "allow");
  access("no_access", "cidr_deny", "deny");
  environment();
  resources();
  banner_fail();
  leftovers();
  return ok_;
}

std::string ServiceImport::render(const std::string& section) const {
  std::string where =
      "# xinetd service " + svc_.name + " at " + printable(svc_.file) + ":" + std::to_string(svc_.line) + "\n";
  if (!skip_.empty()) {
    std::string out = "# [" + section + "] not imported: " + skip_ + "\n" + where;
    for (const auto& [name, v] : values_)
      if (v.set) out += "# xinetd " + name + " =" + (v.values.empty() ? "" : " " + joined(v.values)) + "\n";
    return out;
  }
  std::string out = "[" + section + "]\n" + where;
  if (section != id_)
    out += "# xinetd id = " + joined({id_}) + ": renamed " + section +
           (valid_service_name(id_) ? " (another service has that id)\n"
                                    : " (superd section names are letters, digits, '_' and '-', at most 64)\n");
  for (const std::string& l : lines_) out += l + "\n";
  return out;
}

}  // namespace superd::conf
