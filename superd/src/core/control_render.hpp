// SPDX-License-Identifier: MIT
// What `superd ctl` answers, rendered from plain views of the supervisor's
// state: text lines of KEY=VALUE words for people (and the SIGUSR1 dump,
// which logs the same status lines), or one JSON object for scripts. Pure:
// the unit tests build views by hand.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/control_request.hpp"
#include "core/reload_plan.hpp"
#include "core/stats.hpp"
#include "superd/diagnostic.hpp"

namespace superd::core {

/// Whether a service accepts connections now, and why not.
enum class ServiceState {
  Serving,   ///< Accepting.
  Paused,    ///< Paused by `superd ctl pause`.
  Draining,  ///< Drained by `superd ctl drain`, connections still active.
  Drained,   ///< Drained, and the last connection has ended.
  Limited,   ///< Paused by a limit (max_instances, max_connections, max_rate).
  Removed,   ///< Removed by a reload; its connections are finishing.
};
/// "serving", "paused", "draining", "drained", "paused_by_limit", "removed".
const char* state_name(ServiceState s);
/// The state as status shows it: state_name(), but "paused_by_max_rate"
/// (and so on) for a service paused by that limit.
std::string state_text(ServiceState s, const std::string& limit);

/// One service, as `status` shows it.
struct ServiceView {
  std::string name;
  ServiceState state = ServiceState::Serving;
  std::string limit;  ///< The limit that pauses it when Limited; else empty.
  std::vector<std::string> endpoints;
  ServiceStats stats;
  std::size_t children = 0;  ///< Its live programs.
  std::size_t sessions = 0;  ///< Its live built-in connections.
};

/// How the last reload went.
enum class LastReload { None, Ok, Failed };

/// superd itself and its services, as `status` shows them.
struct StatusView {
  long pid = 0;
  std::string version;
  double uptime = 0;  ///< Seconds since superd started.
  std::string conf_file;
  std::uint64_t reloads = 0, reloads_failed = 0;
  LastReload last_reload = LastReload::None;
  double last_reload_age = 0;      ///< Seconds since the last reload.
  std::string last_reload_error;   ///< Why it failed.
  std::size_t programs = 0, sessions = 0;
  int active = 0;  ///< Connections served now, over all services.
  std::vector<ServiceView> services;
};

/// One live connection, as `connections` lists it.
struct ConnectionView {
  std::string service;
  std::string peer;    ///< The client; for a wait-mode program, its socket.
  bool program = false;  ///< A program (with `pid`), or a built-in connection (with bytes).
  pid_t pid = 0;
  double age = 0;      ///< Seconds since it began.
  std::uint64_t bytes_in = 0, bytes_out = 0;
};

/// One source address (or Unix uid), as `sources` lists it.
struct SourceView {
  std::string service;
  std::string source;
  std::uint64_t accepted = 0, refused = 0;
  int active = 0;  ///< Its live connections now.
};

/// The result of a command that acts (pause, resume, drain, signal) or fails.
struct Outcome {
  ControlCommand command = ControlCommand::Status;
  bool ok = true;
  std::string message;  ///< One line for a person.
  std::string service;  ///< The service acted on; may be empty.
  std::string state;    ///< Its state afterwards (state_name()); may be empty.
  long programs = -1;   ///< signal: programs signalled; -1 when it does not apply.
  int active = -1;      ///< drain: connections still active; -1 when it does not apply.
};

/// One KEY=VALUE of a status line.
struct StatusField {
  std::string key;
  std::string text;      ///< The value as written.
  bool numeric = false;  ///< The value is `number` (bare in JSON logs).
  std::uint64_t number = 0;
};
/// One status line: an optional first word, then fields. At most
/// 14 fields, so that the SIGUSR1 dump logs each line as one record.
struct StatusLine {
  std::string label;  ///< "superd" for superd's own line; else empty.
  std::vector<StatusField> fields;
};
/// The status as lines of fields: superd's own ("superd pid=N ..."), one per
/// service ("service=NAME active=N served=N refused=N failed=N state=..."),
/// then the totals ("programs=N sessions=N ...").
std::vector<StatusLine> status_fields(const StatusView& v);
/// status_fields() as text, one string per line, values in word_value() form.
std::vector<std::string> status_lines(const StatusView& v);
/// `status`: the lines above, or JSON.
std::string render_status(const StatusView& v, bool json);
/// `connections`: one line per connection, or JSON.
std::string render_connections(const std::vector<ConnectionView>& v, bool json);
/// `sources`: one line per source, or JSON.
std::string render_sources(const std::vector<SourceView>& v, bool json);
/// `reload` and `check` that worked: the plan (added, removed, changed with
/// its keys, kept; sockets) and any notes the load made.
std::string render_plan(ControlCommand command, const std::string& conf_file, const ReloadPlan& plan,
                        const std::vector<Diagnostic>& notes, bool json);
/// `reload` and `check` that failed: every located problem, then `error`.
std::string render_failure(ControlCommand command, const std::vector<Diagnostic>& diags,
                           const std::string& error, bool json);
/// A command's outcome, or an error about the request itself.
std::string render_outcome(const Outcome& o, bool json);

/// "1.2.3.4:5" -> "1.2.3.4", "[::1]:5" -> "::1", "unix:pid=4,uid=0" -> "uid:0":
/// the source a peer counts against, as max_per_source and `sources` name it.
std::string source_of_peer(const std::string& peer);
/// A duration for people: "2.5s", "42s", "5m02s", "3h05m", "2d03h".
std::string duration_text(double seconds);
/// A value as a KEY=VALUE word: as it is when plain, else in double quotes
/// with \", \\ and \n, \t, \xHH escapes.
std::string word_value(const std::string& v);

}  // namespace superd::core
