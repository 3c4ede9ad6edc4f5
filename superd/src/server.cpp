// SPDX-License-Identifier: MIT
// superd::Server: command line -> layers -> Config -> Supervisor. The only
// place that maps outcomes to exit codes.
#include "superd/server.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <signal.h>
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <iostream>
#include <map>
#include <stdexcept>

#include "conf/cli_source.hpp"
#include "conf/control_keys.hpp"
#include "conf/inetd_conf.hpp"
#include "conf/ini_source.hpp"
#include "conf/render.hpp"
#include "conf/resolve.hpp"
#include "conf/schema.hpp"
#include "conf/xinetd_import.hpp"
#include "core/control_client.hpp"
#include "core/hub.hpp"
#include "core/supervisor.hpp"
#include "core/tcpmux.hpp"
#include "log/escape.hpp"
#include "log/log.hpp"
#include "proc/identity.hpp"
#include "proc/privileges.hpp"
#include "sys/detach.hpp"
#include "sys/memory.hpp"
#include "sys/pid_file.hpp"

namespace superd {

namespace conf {
extern const char* const kEmbeddedConf;
}

namespace {

// Before the log is open, problems go to stderr, escaped as the log escapes
// them: a conf file's bytes cannot drive the terminal either.
void print_error(std::string_view message) {
  std::string line = "superd: ";
  log::escape(message, line);
  std::cerr << line << "\n";
}

void print_diags(const std::vector<Diagnostic>& diags) {
  for (const Diagnostic& d : diags) print_error(d.str());
}

// Descriptors 0-2 must exist, or a socket could become a child's stdin by accident.
void ensure_std_fds() {
  for (int fd = 0; fd < 3; ++fd)
    if (::fcntl(fd, F_GETFD) < 0) ::open("/dev/null", O_RDWR);
}


// --import-inetd FILE: the file's services as conf sections on stdout, or
// every bad line on stderr and nothing on stdout. An `internal` service
// superd has no built-in for is one of them, as it is for inetd_conf.
int import_inetd(const std::string& path, const std::map<std::string, Builtin>& builtins) {
  std::vector<Diagnostic> diags;
  std::vector<conf::InetdEntry> entries;
  conf::read_inetd_conf(path, entries, diags, false);
  for (const conf::InetdEntry& e : entries) {
    if (e.server != "internal" || builtins.count(e.service)) continue;
    Diagnostic d;
    d.file = e.file;
    d.line = e.line;
    d.message = "unknown built-in '" + e.service + "'";
    for (const auto& [name, b] : builtins) d.hint += (d.hint.empty() ? "built-ins: " : ", ") + name;
    diags.push_back(std::move(d));
  }
  print_diags(diags);
  if (has_errors(diags)) return kExitConfig;
  std::cout << "# superd services imported from " << path << " (superd --import-inetd).\n"
            << "# Programs run with the argv inetd gave them: exec = @PROGRAM ARGV0 ARGS...\n"
            << conf::render_inetd_import(entries);
  return kExitOk;
}

// --import-xinetd: the whole conversion, printed only when it all succeeded.
int import_xinetd(const std::string& path) {
  conf::XinetdFiles files = conf::system_files();
  std::string services, out;
  files.read("/etc/services", services);  // unreadable: services without a port are reported
  std::vector<Diagnostic> diags;
  bool ok = conf::import_xinetd(path, files, services, out, diags);
  print_diags(diags);
  if (!ok) return kExitConfig;
  std::cout << out << std::flush;
  return std::cout ? kExitOk : kExitSystem;
}

}  // namespace

struct Server::Impl {
  std::vector<std::string> new_args;
  std::map<std::string, Builtin> builtins;

  int run(const std::vector<std::string>& argv, const std::vector<std::string>& run_args);
  /// `superd ctl`: `settings` find the control socket, `command` is the request.
  int ctl(const std::vector<std::string>& settings, const std::vector<std::string>& command, bool help,
          const std::vector<std::string>& run_args);
  int serve(std::shared_ptr<const conf::Config> config, const std::vector<Diagnostic>& notes);
  int serve_inetd(std::shared_ptr<const conf::Config> config, const std::string& service,
                  const std::vector<Diagnostic>& notes);
  /// Reads every layer: the conf file afresh, users and groups looked up again.
  std::shared_ptr<const conf::Config> load(std::vector<Diagnostic>& diags) const;

  conf::LoadInput input;
  conf::BuiltinCatalog catalog;
};

namespace {

// The directory superd started in: `background` moves to "/", and a reload
// must still find a conf file or log file named relative to where it started.
std::string start_dir() {
  char buf[PATH_MAX];
  return ::getcwd(buf, sizeof buf) ? buf : "/";
}

std::string absolute(const std::string& path, const std::string& dir) {
  return path.empty() || path[0] == '/' ? path : dir + "/" + path;
}

// Opens the log a configuration names (a file is reopened: logrotate) and
// sets its level. Without stderr (detached, or it is a peer's connection)
// what would go there goes to syslog.
bool setup_log(log::Logger& logger, const conf::Config& config, const std::string& dir,
               std::string& error, bool no_stderr = false) {
  const conf::GlobalConfig& g = config.global;
  std::string target = g.log_file.empty() ? (g.background ? "syslog" : "stderr") : g.log_file;
  if (no_stderr && target == "stderr") target = "syslog";
  if (target != "stderr" && target != "syslog" && target != "journal") target = absolute(target, dir);
  logger.set_format(g.log_format);
  if (!logger.open(target, g.syslog_ident, g.syslog_facility.value, error,
                   no_stderr ? "syslog" : "stderr")) {
    // Reopening the file already in use (logrotate) can fail once superd
    // dropped its privileges: keep writing to the open one rather than
    // refuse the whole reload. A new log file that cannot be opened fails it.
    if (target != logger.target()) return false;
    logger.log(log::kWarning, error + "; still writing to the log file opened before");
    error.clear();
  }
  logger.set_level(g.defaults.log_level.value);
  return true;
}
}  // namespace

std::shared_ptr<const conf::Config> Server::Impl::load(std::vector<Diagnostic>& diags) const {
  proc::SystemUserDb users;
  auto config = std::make_shared<conf::Config>();
  if (!conf::load(input, catalog, users, *config, diags)) return nullptr;
  return config;
}

Server::Server(std::vector<std::string> new_args) : impl_(std::make_unique<Impl>()) {
  impl_->new_args = std::move(new_args);
  for (Builtin& b : standard_builtins()) add_builtin(std::move(b));
  add_builtin(core::tcpmux_builtin());  // served by the supervisor itself
  add_builtin(core::hub_builtin());     // made by the supervisor itself (it starts a program)
}

Server::~Server() = default;

void Server::add_builtin(Builtin builtin) {
  if (!conf::valid_service_name(builtin.name))
    throw std::invalid_argument("superd: invalid built-in name '" + builtin.name + "'");
  if (!builtin.make_stream && !builtin.on_datagram && !builtin.make_service)
    throw std::invalid_argument("superd: built-in '" + builtin.name + "' has no handler");
  std::string name = builtin.name;
  if (!impl_->builtins.emplace(name, std::move(builtin)).second)
    throw std::invalid_argument("superd: built-in '" + name + "' is already registered");
}

int Server::run(int argc, const char* const* argv, std::vector<std::string> run_args) {
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
  return impl_->run(args, run_args);
}

int Server::Impl::run(const std::vector<std::string>& args, const std::vector<std::string>& run_args) {
  ensure_std_fds();
  std::vector<std::string> ctl_settings, ctl_command;
  bool ctl_help = false;
  if (conf::split_ctl(args, ctl_settings, ctl_command, ctl_help))
    return ctl(ctl_settings, ctl_command, ctl_help, run_args);
  std::vector<Diagnostic> diags;
  conf::CommandLine cl, extra;
  bool ok = conf::parse_args(args, conf::Layer::CommandLine, cl, diags);
  ok = conf::parse_args(new_args, conf::Layer::NewArgs, extra, diags) && ok;
  ok = conf::parse_args(run_args, conf::Layer::RunArgs, extra, diags) && ok;
  if (!ok) {
    print_diags(diags);
    return kExitUsage;
  }
  if (cl.help) return std::cout << conf::help_text(), kExitOk;
  if (cl.version) return std::cout << "superd " SUPERD_VERSION "\n", kExitOk;
  if (!cl.dump_schema.empty()) {
    if (cl.dump_schema == "man") return std::cout << conf::man_keys(), kExitOk;
    std::cerr << "superd: --dump-schema: unknown format '" << cl.dump_schema << "' (expected man)\n";
    return kExitUsage;
  }
  if (!cl.import_inetd.empty()) return import_inetd(cl.import_inetd, builtins);
  if (!cl.import_xinetd.empty()) return import_xinetd(cl.import_xinetd);
  input = conf::LoadInput{};
  input.args = std::move(extra.settings);
  input.args.insert(input.args.end(), cl.settings.begin(), cl.settings.end());
  input.embedded_conf = conf::kEmbeddedConf;
  input.running = proc::current_privileges();
  catalog.clear();
  for (const auto& [name, b] : builtins)
    catalog[name] = conf::BuiltinInfo{b.make_stream || b.make_service, static_cast<bool>(b.on_datagram)};
  std::shared_ptr<const conf::Config> loaded = load(diags);
  ok = loaded != nullptr;
  if (cl.check) {
    print_diags(diags);
    if (!ok) return kExitConfig;
    std::size_t n = 0;
    for (const auto& s : loaded->services) n += s.disabled ? 0 : 1;
    std::cerr << "superd: " << loaded->conf_path << ": configuration OK (" << n
              << " service(s) enabled)\n";
    return kExitOk;
  }
  if (!ok) {
    print_diags(diags);
    return kExitConfig;
  }
  if (cl.print_config) {
    print_diags(diags);
    return std::cout << conf::print_config(*loaded), kExitOk;
  }
  if (!cl.inetd_service.empty()) return serve_inetd(std::move(loaded), cl.inetd_service, diags);
  return serve(std::move(loaded), diags);
}

int Server::Impl::ctl(const std::vector<std::string>& settings, const std::vector<std::string>& command,
                      bool help, const std::vector<std::string>& run_args) {
  if (help) return std::cout << conf::ctl_help_text(), kExitOk;
  std::vector<Diagnostic> diags;
  conf::CommandLine cl, extra;
  bool ok = conf::parse_args(settings, conf::Layer::CommandLine, cl, diags);
  ok = conf::parse_args(new_args, conf::Layer::NewArgs, extra, diags) && ok;
  ok = conf::parse_args(run_args, conf::Layer::RunArgs, extra, diags) && ok;
  if (!ok) {
    print_diags(diags);
    return kExitUsage;
  }
  if (cl.check || cl.print_config || cl.help || cl.version || !cl.dump_schema.empty() ||
      !cl.inetd_service.empty() || !cl.import_inetd.empty() || !cl.import_xinetd.empty()) {
    std::cerr << "superd ctl: takes settings (-c FILE, --control_socket=PATH), not actions such as "
                 "--check; see superd ctl --help\n";
    return kExitUsage;
  }
  std::string line;
  for (const std::string& w : command) line += (line.empty() ? "" : " ") + w;
  core::ControlRequest request;
  std::string error;
  if (command.empty() || (command.size() == 1 && command[0] == "--json")) {
    std::cerr << "superd ctl: no command given\n" << conf::ctl_help_text();
    return kExitUsage;
  }
  if (!core::parse_control_request(line, request, error)) {
    std::cerr << "superd ctl: " << error << " (superd ctl --help lists the commands)\n";
    return kExitUsage;
  }
  conf::LoadInput where;
  where.args = std::move(extra.settings);
  where.args.insert(where.args.end(), cl.settings.begin(), cl.settings.end());
  where.embedded_conf = conf::kEmbeddedConf;
  std::string path, conf_path;
  if (!conf::find_control_socket(where, path, conf_path, diags)) {
    print_diags(diags);
    std::cerr << "superd ctl: cannot read " << conf_path << " to find the control socket; "
              << "give --control_socket=PATH\n";
    return kExitConfig;
  }
  if (path.empty()) {
    std::cerr << "superd ctl: no control socket is configured (control_socket in " << conf_path
              << ", or --control_socket=PATH)\n";
    return kExitNoControl;
  }
  return core::control_client(path, conf_path, request);
}

int Server::Impl::serve(std::shared_ptr<const conf::Config> loaded, const std::vector<Diagnostic>& notes) {
  const conf::Config& config = *loaded;
  const conf::GlobalConfig& g = config.global;
  if (g.setsid) ::setsid();
  log::Logger logger;
  std::string error;
  const std::string dir = start_dir();
  for (conf::Setting& s : input.args)
    if (s.section.empty() && (s.key == "conf_file" || s.key == "inetd_conf")) s.text = absolute(s.text, dir);
  if (!setup_log(logger, config, dir, error)) {
    print_error(error);
    return kExitSystem;
  }
  for (const Diagnostic& d : notes) log::log_diagnostic(logger, d);
  if (config.embedded)
    logger.log(log::kNotice, std::string("no conf file at ") + conf::default_conf_path() +
                                 ": running the embedded default configuration");
  ::signal(SIGPIPE, SIG_IGN);
  // Locked before binding, so that a second superd is refused for the pid
  // file rather than for the addresses the first one holds. Removed at the
  // end, or by the destructor when start-up fails.
  sys::PidFile pid_file;
  if (!g.pid_file.empty() && !pid_file.acquire(g.pid_file, error)) {
    logger.log(log::kErr, error);
    return kExitSystem;
  }
  core::Supervisor supervisor(
      builtins, logger, [this](std::vector<Diagnostic>& diags) { return load(diags); },
      [&logger, &dir](const conf::Config& c, std::string& err) { return setup_log(logger, c, dir, err); });
  if (!supervisor.start(loaded, error)) {
    logger.log(log::kErr, error);
    return kExitSystem;
  }
  sys::Detach detach;
  // stderr stays open when it is the log (log_file = stderr, or journal fell back to it).
  if (g.background && !detach.detach(logger.target() == "stderr", error)) {
    logger.log(log::kErr, error);
    return kExitSystem;
  }
  if (g.background) supervisor.forked();
  // The daemon inherited the lock with the open file; the pid must be its own.
  if (pid_file && !pid_file.write(::getpid(), error)) {
    logger.log(log::kErr, error);
    return kExitSystem;
  }
  if (!proc::drop_privileges(config.self, logger, error)) {
    logger.log(log::kErr, error);
    return kExitSystem;
  }
  input.running = config.self;  // reloads are checked against what superd kept
  logger.log(log::kNotice, "superd " SUPERD_VERSION " started (pid " + std::to_string(::getpid()) +
                               ", " + config.conf_path + ")");
  detach.started();
  sys::release_free_memory();  // what loading and binding used and freed
  int rc = supervisor.run();
  pid_file.remove();
  return rc;
}

// --inetd SERVICE: one connection on descriptor 0. superd's log goes to
// syslog when descriptor 2 is that connection too (as inetd passes it), so
// that no log line reaches the peer.
int Server::Impl::serve_inetd(std::shared_ptr<const conf::Config> loaded, const std::string& service,
                              const std::vector<Diagnostic>& notes) {
  log::Logger logger;
  std::string error;
  struct stat in{}, err{};
  bool stderr_is_peer = ::fstat(0, &in) == 0 && ::fstat(2, &err) == 0 && S_ISSOCK(in.st_mode) &&
                        in.st_dev == err.st_dev && in.st_ino == err.st_ino;
  if (!setup_log(logger, *loaded, start_dir(), error, stderr_is_peer)) {
    print_error(error);
    return kExitSystem;
  }
  for (const Diagnostic& d : notes) log::log_diagnostic(logger, d);
  ::signal(SIGPIPE, SIG_IGN);
  core::Supervisor supervisor(
      builtins, logger, [this](std::vector<Diagnostic>& diags) { return load(diags); },
      [](const conf::Config&, std::string&) { return true; });
  if (!proc::drop_privileges(loaded->self, logger, error)) {
    logger.log(log::kErr, error);
    return kExitSystem;
  }
  int rc = supervisor.serve_inetd(loaded, service, 0, error);
  if (!error.empty()) logger.log(log::kErr, error);
  return rc;
}

}  // namespace superd
