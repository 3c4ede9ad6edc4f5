// SPDX-License-Identifier: MIT
// superd as a daemon: one superd per pid file (the file is locked), a stale
// pid file taken over, --background detaching from whoever started it, and
// descriptors leaked by the starter closed.
#include <signal.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "running.hpp"

using namespace superd::test;

namespace {
const std::string kBin = SUPERD_BINARY;

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

pid_t pid_in(const std::string& path) { return std::atoi(slurp(path).c_str()); }

// What descriptor `fd` of `pid` refers to ("" when it is not open).
std::string fd_target(pid_t pid, int fd) {
  char buf[4096];
  std::string link = "/proc/" + std::to_string(pid) + "/fd/" + std::to_string(fd);
  ssize_t n = ::readlink(link.c_str(), buf, sizeof buf);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "";
}

bool holds_open(pid_t pid, const std::string& path) {
  for (int fd = 0; fd < 1024; ++fd)
    if (fd_target(pid, fd) == path) return true;
  return false;
}

// Polls until `path` is gone; a superd removes its pid file as it stops.
bool removed_within(const std::string& path, double seconds) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (::access(path.c_str(), F_OK) == 0) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

// A daemon the test started but is not the parent of: stopped with SIGTERM
// by the test, or killed here if the test ended before that.
struct Daemon {
  std::string pid_file;
  pid_t pid = 0;
  explicit Daemon(std::string file) : pid_file(std::move(file)), pid(pid_in(pid_file)) {}
  ~Daemon() {
    if (pid > 0) ::kill(pid, SIGKILL);
  }
  // Stops it; true once it removed its pid file.
  bool stop() {
    if (pid <= 0 || ::kill(pid, SIGTERM) != 0) return false;
    if (!removed_within(pid_file, 10)) return false;
    pid = 0;
    return true;
  }
};

std::string quoted(const std::string& s) { return "'" + s + "'"; }

std::string echo_conf(int port) {
  return "[echo]\nport = 127.0.0.1:" + std::to_string(port) + "\nbuiltin = echo\n";
}
}  // namespace

// The suite is a C++ namespace, and ::daemon is a function of <unistd.h>.
namespace superd_tests {
BOOST_AUTO_TEST_SUITE(daemon)

BOOST_AUTO_TEST_CASE(second_superd_on_the_same_pid_file_is_refused) {
  Running r("pid_file = @DIR@/superd.pid\n[echo]\nport = 127.0.0.1:@P0@\nbuiltin = echo\n");
  std::string pid_file = r.dir.path() + "/superd.pid";
  // The same conf, so the same port: the pid file is checked before binding.
  RunResult second = run({kBin, "-c", r.dir.path() + "/superd.conf"}, "", 20);
  BOOST_TEST(second.status == 111);
  std::string held = "pid file " + pid_file + " is held by pid " + std::to_string(r.superd->pid()) +
                     " (another superd is running)";
  BOOST_TEST(contains(second.err, held), second.err);
  BOOST_TEST(!contains(second.err, "bind"), second.err);
  BOOST_TEST(pid_in(pid_file) == r.superd->pid());
  BOOST_TEST(tcp_talk(r.ports[0], "still here") == "still here");
  BOOST_TEST(r.superd->stop(SIGTERM) == 0);
  BOOST_TEST(::access(pid_file.c_str(), F_OK) != 0);
}

BOOST_AUTO_TEST_CASE(stale_pid_file_is_taken_over) {
  TempDir stale;
  // A live pid, but no lock: the lock, not the pid, says a superd runs.
  std::string pid_file = stale.write("superd.pid", std::to_string(::getpid()) + "\nleft over\n");
  Running r("pid_file = " + pid_file + "\n[echo]\nport = 127.0.0.1:@P0@\nbuiltin = echo\n");
  BOOST_TEST(slurp(pid_file) == std::to_string(r.superd->pid()) + "\n");
  BOOST_TEST(r.superd->stop(SIGTERM) == 0);
  BOOST_TEST(::access(pid_file.c_str(), F_OK) != 0);
}

BOOST_AUTO_TEST_CASE(background_closes_the_starters_pipes_and_keeps_serving) {
  TempDir dir;
  int port = free_port();
  dir.write("superd.conf", echo_conf(port));
  // Relative paths, resolved against the directory superd was started in,
  // although the daemon works in "/": like `superd --background 2>&1 | cat`.
  auto start = std::chrono::steady_clock::now();
  RunResult r = run({"/bin/sh", "-c",
                     "cd " + quoted(dir.path()) + " && exec " + quoted(kBin) +
                         " -c superd.conf --background --pid_file=superd.pid"
                         " --log_file=superd.log --log_level=3 2>&1"},
                    "", 10);
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  Daemon d(dir.path() + "/superd.pid");
  BOOST_TEST(r.status == 0, r.out + r.err);
  BOOST_TEST(took < 5.0);
  BOOST_REQUIRE(d.pid > 0);
  BOOST_TEST(tcp_talk(port, "detached") == "detached");
  BOOST_TEST(::getsid(d.pid) == d.pid);
  BOOST_TEST(fd_target(d.pid, 0) == "/dev/null");
  BOOST_TEST(fd_target(d.pid, 1) == "/dev/null");
  BOOST_TEST(fd_target(d.pid, 2) == "/dev/null");
  char cwd[4096] = {};
  ::readlink(("/proc/" + std::to_string(d.pid) + "/cwd").c_str(), cwd, sizeof cwd - 1);
  BOOST_TEST(std::string(cwd) == "/");
  BOOST_TEST(contains(slurp(dir.path() + "/superd.log"), "started (pid " + std::to_string(d.pid)));
  // A reload finds the relative conf file and log file from "/" too.
  int port2 = free_port();
  dir.write("superd.conf", echo_conf(port) + "[day]\nport = 127.0.0.1:" + std::to_string(port2) +
                               "\nbuiltin = daytime\n");
  ::kill(d.pid, SIGHUP);
  for (int i = 0; i < 250 && !contains(slurp(dir.path() + "/superd.log"), "reloaded "); ++i) ::usleep(20000);
  BOOST_TEST(contains(slurp(dir.path() + "/superd.log"), "1 added, 0 removed"), slurp(dir.path() + "/superd.log"));
  BOOST_TEST(!tcp_talk(port2, "").empty());
  BOOST_TEST(d.stop());
  BOOST_TEST(contains(slurp(dir.path() + "/superd.log"), "notice: stopped"));
}

BOOST_AUTO_TEST_CASE(background_keeps_stderr_when_it_is_the_log) {
  TempDir dir;
  int port = free_port();
  std::string conf = dir.write("superd.conf", echo_conf(port));
  std::string err_log = dir.path() + "/stderr.log";
  RunResult r = run({"/bin/sh", "-c",
                     "exec " + quoted(kBin) + " -c " + quoted(conf) +
                         " --background --pid_file=" + quoted(dir.path() + "/superd.pid") +
                         " --log_file=stderr 2>" + quoted(err_log)},
                    "", 10);
  Daemon d(dir.path() + "/superd.pid");
  BOOST_TEST(r.status == 0, r.out + r.err);
  BOOST_REQUIRE(d.pid > 0);
  BOOST_TEST(fd_target(d.pid, 1) == "/dev/null");
  BOOST_TEST(fd_target(d.pid, 2) == err_log);
  BOOST_TEST(contains(slurp(err_log), "started (pid " + std::to_string(d.pid)), slurp(err_log));
  BOOST_TEST(d.stop());
}

BOOST_AUTO_TEST_CASE(inherited_descriptors_are_closed) {
  TempDir dir;
  std::string conf = dir.write("superd.conf", echo_conf(free_port()));
  std::string leaked = dir.path() + "/leaked";
  Superd s(dir,
           {"-c", "exec 7>" + quoted(leaked) + "; exec " + quoted(kBin) + " -c " + quoted(conf)},
           "/bin/sh");
  BOOST_REQUIRE_MESSAGE(s.ready(), s.log());
  BOOST_TEST(!holds_open(s.pid(), leaked));
  BOOST_TEST(s.stop(SIGTERM) == 0);
}

BOOST_AUTO_TEST_CASE(descriptors_passed_by_systemd_are_examined) {
  TempDir dir;
  std::string conf = dir.write("superd.conf", echo_conf(free_port()));
  std::string passed = dir.write("passed", ""), leaked = dir.path() + "/leaked";
  // LISTEN_PID names the shell, which becomes superd by exec.
  Superd s(dir,
           {"-c", "exec 3<" + quoted(passed) + " 4>" + quoted(leaked) +
                      "; LISTEN_PID=$$ LISTEN_FDS=1 exec " + quoted(kBin) + " -c " + quoted(conf)},
           "/bin/sh");
  BOOST_REQUIRE_MESSAGE(s.ready(), s.log());
  // fd 4 is past LISTEN_FDS: closed at once. fd 3 is passed, but a file is
  // no socket to serve: the registry says so and closes it.
  BOOST_TEST(!holds_open(s.pid(), leaked));
  BOOST_TEST(contains(s.log(), "inherited descriptor 3 is not a bound socket superd can use; closed"), s.log());
  BOOST_TEST(!holds_open(s.pid(), passed));
  BOOST_TEST(s.stop(SIGTERM) == 0);
}

BOOST_AUTO_TEST_SUITE_END()
}  // namespace superd_tests
