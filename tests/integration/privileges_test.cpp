// SPDX-License-Identifier: MIT
// Privilege drop against the real binary, run as root: superd binds, drops to
// the global user and group keeping only the capabilities its services need,
// then serves. A reload still binds a port below 1024; a program started as
// another user has no capability; a reload that needs a capability superd
// dropped fails and changes nothing.
#include <grp.h>
#include <linux/capability.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "running.hpp"

using namespace superd::test;

namespace {

// The value of field `name` ("Uid", "CapEff") in a /proc/PID/status text.
std::string status_field(const std::string& status, const std::string& name) {
  std::istringstream in(status);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(name + ":\t", 0) == 0) return line.substr(name.size() + 2);
  return "";
}

std::string proc_status(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// "N\tN\tN\tN": real, effective, saved and filesystem ids, as /proc shows them.
std::string all_four(unsigned id) {
  std::string n = std::to_string(id);
  return n + "\t" + n + "\t" + n + "\t" + n;
}

std::string cap_mask(std::initializer_list<int> caps) {
  unsigned long long mask = 0;
  for (int c : caps) mask |= 1ULL << c;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%016llx", mask);
  return buf;
}

// A TCP port below 1024 free on 127.0.0.1 now; 0 when none is.
int free_low_port() {
  for (int port = 600; port <= 1000; ++port) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(fd);
    if (ok) return port;
  }
  return 0;
}

const std::string kConf =
    "user = nobody\ngroup = nogroup\n"
    "[echo]\nport = 127.0.0.1:@P0@\nbuiltin = echo\n"
    "[who]\nport = 127.0.0.1:@P1@\nexec = /bin/cat /proc/self/status\nuser = daemon\n";

}  // namespace

BOOST_AUTO_TEST_SUITE(privileges)

BOOST_AUTO_TEST_CASE(binds_drops_then_serves_with_only_the_capabilities_it_needs) {
  if (::geteuid() != 0) {
    BOOST_TEST_MESSAGE("skipped: superd drops privileges only when started as root");
    return;
  }
  // getpwnam() answers in one static buffer: copy each answer at once.
  const passwd* pw = ::getpwnam("nobody");
  unsigned nobody_uid = pw ? pw->pw_uid : 0;
  pw = ::getpwnam("daemon");
  unsigned daemon_uid = pw ? pw->pw_uid : 0;
  const group* gr = ::getgrnam("nogroup");
  unsigned nogroup_gid = gr ? gr->gr_gid : 0;
  if (nobody_uid == 0 || daemon_uid == 0 || nogroup_gid == 0) {
    BOOST_TEST_MESSAGE("skipped: needs the users nobody and daemon and the group nogroup");
    return;
  }
  Running r(kConf, 3);
  std::string log = r.superd->log();
  BOOST_TEST(contains(log, "dropped privileges: running as user nobody"), log);

  // superd itself: nobody/nogroup, with CAP_NET_BIND_SERVICE for reloads and
  // what switching to daemon and stopping its programs takes; nothing else.
  std::string self = proc_status(r.superd->pid());
  BOOST_TEST(status_field(self, "Uid") == all_four(nobody_uid), self);
  BOOST_TEST(status_field(self, "Gid") == all_four(nogroup_gid), self);
  std::string kept = cap_mask({CAP_NET_BIND_SERVICE, CAP_SETUID, CAP_SETGID, CAP_KILL});
  BOOST_TEST(status_field(self, "CapEff") == kept, self);
  BOOST_TEST(status_field(self, "CapPrm") == kept, self);
  BOOST_TEST(status_field(self, "CapInh") == cap_mask({}), self);
  BOOST_TEST(status_field(self, "CapAmb") == cap_mask({}), self);
  BOOST_TEST(tcp_talk(r.ports[0], "hi\n") == "hi\n");

  // A program started as daemon holds no capability.
  std::string child = tcp_talk(r.ports[1], "");
  BOOST_TEST(status_field(child, "Uid") == all_four(daemon_uid), child);
  BOOST_TEST(status_field(child, "CapEff") == cap_mask({}), child);
  BOOST_TEST(status_field(child, "CapPrm") == cap_mask({}), child);

  // A reload binds a port below 1024.
  int low = free_low_port();
  BOOST_REQUIRE_MESSAGE(low > 0, "no free port from 600 to 1000");
  std::string with_low =
      kConf + "[low]\nport = 127.0.0.1:" + std::to_string(low) + "\nbuiltin = echo\n";
  r.rewrite(with_low);
  BOOST_REQUIRE(r.superd->reload());
  log = r.superd->log();
  BOOST_TEST(contains(log, "service low: added: builtin echo on 127.0.0.1:" + std::to_string(low)),
             log);
  BOOST_TEST(tcp_talk(low, "low\n") == "low\n");

  // chroot needs CAP_SYS_CHROOT, which superd did not keep: nothing changes.
  r.rewrite(with_low + "[jail]\nport = 127.0.0.1:@P2@\nexec = /bin/cat\nchroot = @DIR@\n");
  BOOST_REQUIRE(r.superd->reload());
  log = r.superd->log();
  BOOST_TEST(contains(log, r.dir.path() +
                               "/superd.conf:16: service 'jail': needs CAP_SYS_CHROOT for "
                               "'chroot', which superd dropped when it started as user 'nobody' "
                               "(restart superd to change that)"),
             log);
  BOOST_TEST(
      contains(log, "reload failed: the configuration is invalid; still serving the previous configuration"),
      log);
  BOOST_TEST(tcp_connect(r.ports[2]) == -1);
  BOOST_TEST(tcp_talk(low, "still\n") == "still\n");
  BOOST_TEST(tcp_talk(r.ports[0], "echo\n") == "echo\n");
  BOOST_TEST(status_field(proc_status(r.superd->pid()), "CapEff") == kept);
}

BOOST_AUTO_TEST_SUITE_END()
