// SPDX-License-Identifier: MIT
#include "core/control_render.hpp"

#include <signal.h>
#include <string.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

namespace superd::core {

namespace {

using Json = nlohmann::ordered_json;

// Text that is not UTF-8 (a peer's or a file's name) is written with U+FFFD
// rather than making dump() throw.
std::string dump(const Json& j) {
  return j.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& l : lines) out += l + "\n";
  return out;
}

std::string n(std::uint64_t v) { return std::to_string(v); }

const char* const kRefusalNames[kRefusals] = {"access", "max_per_source", "max_instances",
                                              "max_connections", "proxy", "tls", "max_rate"};

// Builds a line field by field.
struct LineBuilder {
  StatusLine line;
  LineBuilder& text(const char* key, std::string value) {
    line.fields.push_back(StatusField{key, std::move(value), false, 0});
    return *this;
  }
  LineBuilder& num(const char* key, std::uint64_t value) {
    line.fields.push_back(StatusField{key, std::to_string(value), true, value});
    return *this;
  }
};

// "access:1,max_per_source:2": the reasons that refused someone.
std::string refusal_text(const ServiceStats& st) {
  std::string out;
  for (std::size_t i = 0; i < kRefusals; ++i)
    if (st.refused_by[i]) out += (out.empty() ? "" : ",") + std::string(kRefusalNames[i]) + ":" + n(st.refused_by[i]);
  return out;
}

StatusLine service_fields(const ServiceView& s) {
  const ServiceStats& st = s.stats;
  LineBuilder b;
  // The first five fields are the SIGUSR1 dump's since its first version.
  b.text("service", s.name).num("active", static_cast<std::uint64_t>(std::max(st.active, 0)));
  b.num("served", st.served).num("refused", st.refused).num("failed", st.failed);
  b.text("state", state_text(s.state, s.limit)).num("accepted", st.accepted);
  if (st.refused) b.text("refused_by", refusal_text(st));
  b.num("started", st.started).num("children", s.children).num("sessions", s.sessions);
  if (st.bytes_in || st.bytes_out) b.num("bytes_in", st.bytes_in).num("bytes_out", st.bytes_out);
  if (st.dropped) b.num("dropped", st.dropped);
  std::string eps;
  for (const std::string& e : s.endpoints) eps += (eps.empty() ? "" : ",") + e;
  if (!eps.empty()) b.text("endpoints", eps);
  return std::move(b.line);
}

std::string line_text(const StatusLine& l) {
  std::string out = l.label;
  for (const StatusField& f : l.fields)
    out += (out.empty() ? "" : " ") + f.key + "=" + (f.numeric ? f.text : word_value(f.text));
  return out;
}

struct Totals {
  std::uint64_t accepted = 0, served = 0, refused = 0, failed = 0, started = 0;
};

Totals totals_of(const StatusView& v) {
  Totals t;
  for (const ServiceView& s : v.services) {
    t.accepted += s.stats.accepted;
    t.served += s.stats.served;
    t.refused += s.stats.refused;
    t.failed += s.stats.failed;
    t.started += s.stats.started;
  }
  return t;
}

const char* reload_name(LastReload r) {
  switch (r) {
    case LastReload::None: return "none";
    case LastReload::Ok: return "ok";
    case LastReload::Failed: return "failed";
  }
  return "none";
}

std::string exit_name(const ExitCounts::Entry& e) {
  if (!e.signaled) return "exit:" + std::to_string(e.number);
  const char* abbrev = sigabbrev_np(e.number);
  return "signal:" + (abbrev ? std::string("SIG") + abbrev : std::to_string(e.number));
}

Json service_json(const ServiceView& s) {
  const ServiceStats& st = s.stats;
  Json refused_by = Json::object();
  for (std::size_t i = 0; i < kRefusals; ++i) refused_by[kRefusalNames[i]] = st.refused_by[i];
  Json exits = Json::object();
  for (const ExitCounts::Entry& e : st.exits.entries()) exits[exit_name(e)] = e.count;
  return Json{{"name", s.name},
              {"state", state_text(s.state, s.limit)},
              {"limit", s.limit.empty() ? Json() : Json(s.limit)},
              {"endpoints", s.endpoints},
              {"active", st.active},
              {"accepted", st.accepted},
              {"served", st.served},
              {"refused", st.refused},
              {"refused_by", refused_by},
              {"failed", st.failed},
              {"started", st.started},
              {"children", s.children},
              {"sessions", s.sessions},
              {"bytes_in", st.bytes_in},
              {"bytes_out", st.bytes_out},
              {"dropped", st.dropped},
              {"exits", exits},
              {"duration", {{"count", st.durations.count()}, {"sum", st.durations.sum()}}}};
}

Json diag_json(const Diagnostic& d) {
  const char* severity = d.severity == Severity::Error ? "error"
                         : d.severity == Severity::Warning ? "warning" : "note";
  return Json{{"severity", severity}, {"file", d.file}, {"line", d.line}, {"service", d.section},
              {"key", d.key},         {"message", d.message}, {"hint", d.hint}, {"text", d.str()}};
}

}  // namespace

const char* state_name(ServiceState s) {
  switch (s) {
    case ServiceState::Serving: return "serving";
    case ServiceState::Paused: return "paused";
    case ServiceState::Draining: return "draining";
    case ServiceState::Drained: return "drained";
    case ServiceState::Limited: return "paused_by_limit";
    case ServiceState::Removed: return "removed";
  }
  return "serving";
}

std::string state_text(ServiceState s, const std::string& limit) {
  if (s == ServiceState::Limited && !limit.empty()) return "paused_by_" + limit;
  return state_name(s);
}

std::string word_value(const std::string& v) {
  bool plain = !v.empty();
  for (unsigned char c : v)
    if (c <= ' ' || c == '"' || c == '\\' || c == '=' || c >= 0x7f) plain = false;
  if (plain) return v;
  std::string out = "\"";
  for (unsigned char c : v) {
    if (c == '"' || c == '\\') out += '\\', out += static_cast<char>(c);
    else if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else if (c < ' ' || c == 0x7f) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

std::string duration_text(double s) {
  if (!(s >= 0)) s = 0;
  char buf[32];
  if (s < 10) {
    std::snprintf(buf, sizeof buf, "%.1fs", s);
    return buf;
  }
  auto t = static_cast<long long>(std::floor(s));
  if (t < 60) std::snprintf(buf, sizeof buf, "%llds", t);
  else if (t < 3600) std::snprintf(buf, sizeof buf, "%lldm%02llds", t / 60, t % 60);
  else if (t < 86400) std::snprintf(buf, sizeof buf, "%lldh%02lldm", t / 3600, t / 60 % 60);
  else std::snprintf(buf, sizeof buf, "%lldd%02lldh", t / 86400, t / 3600 % 24);
  return buf;
}

std::string source_of_peer(const std::string& peer) {
  if (peer.rfind("unix", 0) == 0) {
    auto uid = peer.find("uid=");
    return uid == std::string::npos ? "unix" : "uid:" + peer.substr(uid + 4);
  }
  if (!peer.empty() && peer[0] == '[') {
    auto close = peer.find(']');
    return close == std::string::npos ? peer : peer.substr(1, close - 1);
  }
  auto colon = peer.rfind(':');
  return colon == std::string::npos ? peer : peer.substr(0, colon);
}

std::vector<StatusLine> status_fields(const StatusView& v) {
  std::vector<StatusLine> lines;
  LineBuilder self;
  self.line.label = "superd";
  self.num("pid", static_cast<std::uint64_t>(v.pid)).text("version", v.version);
  self.text("uptime", duration_text(v.uptime)).text("conf", v.conf_file);
  self.num("reloads", v.reloads).num("reloads_failed", v.reloads_failed);
  self.text("last_reload", reload_name(v.last_reload));
  if (v.last_reload != LastReload::None) self.text("last_reload_age", duration_text(v.last_reload_age));
  if (v.last_reload == LastReload::Failed) self.text("last_reload_error", v.last_reload_error);
  lines.push_back(std::move(self.line));
  for (const ServiceView& s : v.services) lines.push_back(service_fields(s));
  Totals t = totals_of(v);
  LineBuilder totals;
  totals.num("programs", v.programs).num("sessions", v.sessions).num("services", v.services.size());
  totals.num("active", static_cast<std::uint64_t>(std::max(v.active, 0))).num("accepted", t.accepted);
  totals.num("served", t.served).num("refused", t.refused).num("failed", t.failed).num("started", t.started);
  lines.push_back(std::move(totals.line));
  return lines;
}

std::vector<std::string> status_lines(const StatusView& v) {
  std::vector<std::string> out;
  for (const StatusLine& l : status_fields(v)) out.push_back(line_text(l));
  return out;
}

std::string render_status(const StatusView& v, bool json) {
  if (!json) return join_lines(status_lines(v));
  Totals t = totals_of(v);
  Json last = Json::object();
  last["result"] = reload_name(v.last_reload);
  if (v.last_reload != LastReload::None) last["age"] = v.last_reload_age;
  if (v.last_reload == LastReload::Failed) last["error"] = v.last_reload_error;
  Json services = Json::array();
  for (const ServiceView& s : v.services) services.push_back(service_json(s));
  Json j{{"ok", true},
         {"command", "status"},
         {"superd", {{"pid", v.pid}, {"version", v.version}, {"uptime", v.uptime}, {"conf_file", v.conf_file},
                     {"reloads", v.reloads}, {"reloads_failed", v.reloads_failed}, {"last_reload", last}}},
         {"totals", {{"services", v.services.size()}, {"active", v.active}, {"programs", v.programs},
                     {"sessions", v.sessions}, {"accepted", t.accepted}, {"served", t.served},
                     {"refused", t.refused}, {"failed", t.failed}, {"started", t.started}}},
         {"services", services}};
  return dump(j);
}

std::string render_connections(const std::vector<ConnectionView>& v, bool json) {
  if (json) {
    Json list = Json::array();
    for (const ConnectionView& c : v) {
      Json one{{"service", c.service}, {"peer", c.peer}, {"kind", c.program ? "program" : "builtin"},
               {"age", c.age}};
      if (c.program) one["pid"] = c.pid;
      else one["bytes_in"] = c.bytes_in, one["bytes_out"] = c.bytes_out;
      list.push_back(std::move(one));
    }
    return dump(Json{{"ok", true}, {"command", "connections"}, {"connections", list}});
  }
  std::string out;
  for (const ConnectionView& c : v) {
    out += "service=" + word_value(c.service) + " peer=" + word_value(c.peer) +
           (c.program ? " kind=program pid=" + std::to_string(c.pid) : std::string(" kind=builtin")) +
           " age=" + duration_text(c.age);
    if (!c.program) out += " bytes_in=" + n(c.bytes_in) + " bytes_out=" + n(c.bytes_out);
    out += "\n";
  }
  return out;
}

std::string render_sources(const std::vector<SourceView>& v, bool json) {
  if (json) {
    Json list = Json::array();
    for (const SourceView& s : v)
      list.push_back(Json{{"service", s.service}, {"source", s.source}, {"accepted", s.accepted},
                          {"refused", s.refused}, {"active", s.active}});
    return dump(Json{{"ok", true}, {"command", "sources"}, {"sources", list}});
  }
  std::string out;
  for (const SourceView& s : v)
    out += "service=" + word_value(s.service) + " source=" + word_value(s.source) + " accepted=" +
           n(s.accepted) + " refused=" + n(s.refused) + " active=" + std::to_string(s.active) + "\n";
  return out;
}

std::string render_plan(ControlCommand command, const std::string& conf_file, const ReloadPlan& plan,
                        const std::vector<Diagnostic>& notes, bool json) {
  bool check = command == ControlCommand::Check;
  if (json) {
    Json changed = Json::object();
    for (const auto& [name, keys] : plan.changed) changed[name] = keys;
    Json list = Json::array();
    for (const Diagnostic& d : notes) list.push_back(diag_json(d));
    return dump(Json{{"ok", true}, {"command", command_name(command)}, {"conf_file", conf_file},
                     {"added", plan.added}, {"removed", plan.removed}, {"changed", changed},
                     {"kept", plan.unchanged},
                     {"sockets", {{"kept", plan.keep.size()}, {"bound", plan.bind.size()},
                                  {"closed", plan.close.size()}}},
                     {"notes", list}});
  }
  std::string out;
  for (const Diagnostic& d : notes) out += d.str() + "\n";
  out += std::string(check ? "check " : "reloaded ") + conf_file + ": " + n(plan.added.size()) +
         " added, " + n(plan.removed.size()) + " removed, " + n(plan.changed.size()) + " changed, " +
         n(plan.unchanged.size()) + " kept; sockets: " + n(plan.keep.size()) + " kept, " +
         n(plan.bind.size()) + (check ? " to bind, " : " bound, ") + n(plan.close.size()) +
         (check ? " to close\n" : " closed\n");
  for (const std::string& s : plan.added) out += "added " + s + "\n";
  for (const std::string& s : plan.removed) out += "removed " + s + "\n";
  for (const auto& [name, keys] : plan.changed) {
    std::string list;
    for (const std::string& k : keys) list += (list.empty() ? "" : ", ") + k;
    out += "changed " + name + " (" + list + ")\n";
  }
  for (const std::string& s : plan.unchanged) out += "kept " + s + "\n";
  return out;
}

std::string render_failure(ControlCommand command, const std::vector<Diagnostic>& diags,
                           const std::string& error, bool json) {
  if (json) {
    Json list = Json::array();
    for (const Diagnostic& d : diags) list.push_back(diag_json(d));
    return dump(Json{{"ok", false}, {"command", command_name(command)}, {"error", error},
                     {"problems", list}});
  }
  std::string out;
  for (const Diagnostic& d : diags) out += d.str() + "\n";
  return out + error + "\n";
}

std::string render_outcome(const Outcome& o, bool json) {
  if (!json) return o.message + "\n";
  Json j{{"ok", o.ok}, {"command", command_name(o.command)}};
  j[o.ok ? "message" : "error"] = o.message;
  if (!o.service.empty()) j["service"] = o.service;
  if (!o.state.empty()) j["state"] = o.state;
  if (o.programs >= 0) j["programs"] = o.programs;
  if (o.active >= 0) j["active"] = o.active;
  return dump(j);
}

}  // namespace superd::core
