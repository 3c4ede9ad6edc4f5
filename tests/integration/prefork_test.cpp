// SPDX-License-Identifier: MIT
// prefork: a wait-mode service keeps N copies of its program running on the
// same listening socket, each accepting for itself; a copy that exits is
// started again (with wait mode's back-off when it dies at once), a reload
// that changes N adjusts the number, and superd ctl counts them.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <dirent.h>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "ctl.hpp"
#include "running.hpp"

using namespace superd::test;

namespace {

// An accept loop on the socket at fd argv[1]: each client gets the pid.
const std::string kLoop =
    "import os, socket, sys\n"
    "l = socket.socket(fileno=int(sys.argv[1]))\n"
    "while True:\n"
    "    c, _ = l.accept()\n"
    "    c.sendall(b'%d\\n' % os.getpid())\n"
    "    c.close()\n";

std::string conf(int n, const std::string& extra = "", int fd = 0) {
  return "[pf]\nport = 127.0.0.1:@P0@\nwait = yes\nprefork = " + std::to_string(n) + "\n" + extra +
         user_line() + "exec = /usr/bin/python3 @PROGS@/loop.py " + std::to_string(fd) + "\n";
}

// superd on a conf where @PROGS@ is a directory holding the loop program,
// written before superd starts it.
struct Pf {
  TempDir progs;
  std::unique_ptr<Running> r;
  explicit Pf(std::string text, const std::string& program = kLoop) {
    ::chmod(progs.path().c_str(), 0755);
    progs.write("loop.py", program);
    for (auto at = text.find("@PROGS@"); at != std::string::npos; at = text.find("@PROGS@"))
      text.replace(at, 7, progs.path());
    r = std::make_unique<Running>(text);
  }
};

// `text` with @PROGS@ replaced, for a rewrite.
std::string pf_text(const Pf& pf, std::string text) {
  for (auto at = text.find("@PROGS@"); at != std::string::npos; at = text.find("@PROGS@"))
    text.replace(at, 7, pf.progs.path());
  return text;
}

// PIDs of superd's children running the loop program now.
std::set<pid_t> loop_children(const Running& r) {
  std::set<pid_t> out;
  DIR* d = ::opendir("/proc");
  if (!d) return out;
  while (dirent* e = ::readdir(d)) {
    pid_t pid = std::atoi(e->d_name);
    if (pid <= 0) continue;
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    std::getline(stat, line);
    auto close = line.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(line.substr(close + 2));
    char state = 0;
    pid_t ppid = 0;
    rest >> state >> ppid;
    if (ppid != r.superd->pid() || state == 'Z') continue;
    std::ifstream cmd("/proc/" + std::to_string(pid) + "/cmdline");
    std::string argv((std::istreambuf_iterator<char>(cmd)), std::istreambuf_iterator<char>());
    if (argv.find("loop.py") != std::string::npos) out.insert(pid);
  }
  ::closedir(d);
  return out;
}

// Polls until exactly `n` loop programs run (true), for at most `timeout` seconds.
bool wait_children(const Running& r, std::size_t n, double timeout = 15) {
  auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout);
  while (std::chrono::steady_clock::now() < end) {
    if (loop_children(r).size() == n) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

// The pids that answer clients, over at most `tries` connections 10 ms
// apart, until `want` distinct ones answered (a copy just started may need a
// moment before it accepts; until then the others take every client).
std::set<std::string> answering(const Running& r, std::size_t want, int tries = 500) {
  std::set<std::string> pids;
  for (int i = 0; i < tries && pids.size() < want; ++i) {
    std::string out = tcp_talk(r.ports[0], "", ~std::size_t{0}, 5);
    if (!out.empty()) pids.insert(out);
    if (pids.size() < want) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return pids;
}

std::set<std::string> as_lines(const std::set<pid_t>& pids) {
  std::set<std::string> out;
  for (pid_t p : pids) out.insert(std::to_string(p) + "\n");
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(prefork)

BOOST_AUTO_TEST_CASE(n_programs_serve_and_a_killed_one_is_started_again) {
  Pf pf(kControlLine + conf(3));
  Running* r = pf.r.get();
  // Started at once, not at the first client.
  BOOST_REQUIRE_MESSAGE(wait_children(*r, 3), r->superd->log());
  std::set<pid_t> first = loop_children(*r);
  std::set<std::string> seen = answering(*r, 3);
  BOOST_TEST(seen.size() == 3u, r->superd->log());
  BOOST_TEST((seen == as_lines(first)), r->superd->log());

  std::string status = line_starting(ctl(*r, {"status"}).out, "service=pf ");
  BOOST_TEST(contains(status, "service=pf active=3 served=3 "), status);
  BOOST_TEST(contains(status, " started=3 children=3 "), status);

  pid_t victim = *first.begin();
  BOOST_REQUIRE(::kill(victim, SIGKILL) == 0);
  BOOST_TEST(r->superd->wait_log("end service=pf peer=127.0.0.1:" + std::to_string(r->ports[0]) +
                                 "/tcp pid=" + std::to_string(victim) + " status=signal:SIGKILL"),
             r->superd->log());
  BOOST_REQUIRE_MESSAGE(wait_children(*r, 3), r->superd->log());
  std::set<pid_t> now = loop_children(*r);
  BOOST_TEST(!now.count(victim));
  BOOST_TEST(answering(*r, 3).size() == 3u, r->superd->log());
  status = line_starting(ctl(*r, {"status"}).out, "service=pf ");
  BOOST_TEST(contains(status, "service=pf active=3 served=4 "), status);
}

BOOST_AUTO_TEST_CASE(with_listen_fds_each_gets_fd_3) {
  Pf pf(conf(2, "listen_fds = yes\n", 3));
  Running* r = pf.r.get();
  BOOST_REQUIRE_MESSAGE(wait_children(*r, 2), r->superd->log());
  BOOST_TEST((answering(*r, 2) == as_lines(loop_children(*r))), r->superd->log());
}

BOOST_AUTO_TEST_CASE(a_reload_adjusts_the_number) {
  Pf pf(conf(3));
  Running* r = pf.r.get();
  BOOST_REQUIRE_MESSAGE(wait_children(*r, 3), r->superd->log());
  std::set<pid_t> three = loop_children(*r);
  r->rewrite(pf_text(pf, conf(1)));
  BOOST_REQUIRE(r->superd->reload());
  BOOST_TEST(r->superd->wait_log("service pf: stopping 2 preforked program(s) on 127.0.0.1:" +
                                 std::to_string(r->ports[0]) + "/tcp; 1 wanted"),
             r->superd->log());
  BOOST_REQUIRE_MESSAGE(wait_children(*r, 1), r->superd->log());
  std::set<pid_t> one = loop_children(*r);
  BOOST_TEST(three.count(*one.begin()) == 1u);  // the one kept was running already
  BOOST_TEST(answering(*r, 1).size() == 1u);
  // Those stopped on purpose are not started again.
  BOOST_TEST(r->count("preforked program exited") == 0, r->superd->log());

  r->rewrite(pf_text(pf, conf(2)));
  BOOST_REQUIRE(r->superd->reload());
  BOOST_REQUIRE_MESSAGE(wait_children(*r, 2), r->superd->log());
  BOOST_TEST(loop_children(*r).count(*one.begin()) == 1u);
  BOOST_TEST(answering(*r, 2).size() == 2u, r->superd->log());

  // Back to one program per client: the preforked ones go.
  r->rewrite("[pf]\nport = 127.0.0.1:@P0@\nwait = yes\n" + user_line() +
             "exec = /usr/bin/python3 " + pf.progs.path() + "/once.py\n");
  pf.progs.write("once.py",
               "import os, socket\nc, _ = socket.socket(fileno=0).accept()\n"
               "c.sendall(b'once\\n')\n");
  BOOST_REQUIRE(r->superd->reload());
  BOOST_REQUIRE_MESSAGE(wait_children(*r, 0), r->superd->log());
  BOOST_TEST(tcp_talk(r->ports[0], "") == "once\n", r->superd->log());
}

BOOST_AUTO_TEST_CASE(pause_stops_them_and_resume_starts_them) {
  Pf pf(kControlLine + conf(2));
  Running* r = pf.r.get();
  BOOST_REQUIRE_MESSAGE(wait_children(*r, 2), r->superd->log());
  BOOST_TEST(ctl(*r, {"pause", "pf"}).status == 0);
  BOOST_REQUIRE_MESSAGE(wait_children(*r, 0), r->superd->log());
  BOOST_TEST(ctl(*r, {"resume", "pf"}).status == 0);
  BOOST_REQUIRE_MESSAGE(wait_children(*r, 2), r->superd->log());
  RunResult d = ctl(*r, {"drain", "pf", "10"});
  BOOST_TEST(d.status == 0, d.out + d.err);
  BOOST_TEST(contains(d.out, "service pf: drained"), d.out);
  BOOST_TEST(loop_children(*r).empty());
}

BOOST_AUTO_TEST_CASE(a_program_that_dies_at_once_backs_off) {
  Pf pf(conf(2), "import sys\nsys.exit(3)\n");
  Running* r = pf.r.get();
  BOOST_TEST(r->superd->wait_log("service pf: preforked program exited (exit:3) within 1s on 127.0.0.1:" +
                                 std::to_string(r->ports[0]) + "/tcp; starting it again in 1s"),
             r->superd->log());
  BOOST_TEST(r->superd->wait_log("; starting it again in 2s"), r->superd->log());
  // Fixed: served again after the back-off.
  pf.progs.write("loop.py", kLoop);
  BOOST_REQUIRE_MESSAGE(wait_children(*r, 2, 20), r->superd->log());
  BOOST_TEST(answering(*r, 2).size() == 2u, r->superd->log());
}

BOOST_AUTO_TEST_CASE(only_for_wait_mode_programs) {
  TempDir dir;
  std::string path = dir.write("superd.conf",
                               "[a]\nport = 127.0.0.1:1\nexec = /bin/cat\nprefork = 4\n"
                               "[b]\nport = 127.0.0.1:2\nbuiltin = echo\nprefork = 2\n"
                               "[c]\nport = 127.0.0.1:3\nwait = yes\nexec = /bin/cat\nprefork = 1025\n");
  RunResult check = run({SUPERD_BINARY, "--check", "-c", path, "--user=nobody"});
  BOOST_TEST(check.status == 1);
  BOOST_TEST(contains(check.err, path + ":4: service 'a': 'prefork = 4' keeps programs that accept for "
                                        "themselves, but stream endpoint 127.0.0.1:1/tcp starts one program "
                                        "per connection"),
             check.err);
  BOOST_TEST(contains(check.err, "add wait = yes"), check.err);
  BOOST_TEST(contains(check.err, path + ":8: service 'b': 'prefork' applies only to exec services"), check.err);
  BOOST_TEST(contains(check.err, path + ":13: bad value for 'prefork': '1025' is out of range (0 to 1024)"),
             check.err);
}

BOOST_AUTO_TEST_SUITE_END()
