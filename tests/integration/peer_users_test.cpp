// SPDX-License-Identifier: MIT
// allow_users / allow_groups: Unix stream clients checked by the uid, gid
// and supplementary groups the kernel reports for them (SO_PEERCRED,
// SO_PEERGROUPS). Clients run as other users through setpriv, so these
// tests need root.
#include <sys/stat.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>

#include "running.hpp"

using namespace superd::test;

namespace {

// Sends `input` over the Unix socket at `path` as uid/gid 65534 with the
// supplementary groups `groups` ("" for none), and returns what came back.
std::string talk_as_nobody(const std::string& path, const std::string& groups,
                           const std::string& input = "hi\n") {
  std::vector<std::string> argv{"setpriv", "--reuid=65534", "--regid=65534"};
  argv.push_back(groups.empty() ? "--clear-groups" : "--groups=" + groups);
  for (const char* a : {"nc", "-N", "-U"}) argv.push_back(a);
  argv.push_back(path);
  return run(argv, input, 10).out;
}

bool can_switch_users() {
  if (::geteuid() == 0 && has("setpriv") && has("nc")) return true;
  BOOST_TEST_MESSAGE("skipped: needs root, setpriv and nc");
  return false;
}

std::string echo_conf(const std::string& rules) {
  return "[u]\nport = @DIR@/u.sock|unix\nsocket_mode = 0666\nbuiltin = echo\n" + rules;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(peer_users)

BOOST_AUTO_TEST_CASE(allow_users_admits_the_user_named_and_refuses_others) {
  if (!can_switch_users()) return;
  Running r(echo_conf("allow_users = root\nallow_users = 4242\n"));
  ::chmod(r.dir.path().c_str(), 0755);
  std::string sock = r.dir.path() + "/u.sock";
  BOOST_TEST(run({"nc", "-N", "-U", sock}, "hi\n", 10).out == "hi\n", r.superd->log());
  BOOST_TEST(talk_as_nobody(sock, "") == "", r.superd->log());
  BOOST_TEST(r.superd->wait_log("refuse service=u peer=unix:pid="), r.superd->log());
  BOOST_TEST(r.superd->wait_log(",uid=65534 reason=uid 65534 gid 65534 not in allow_users endpoint=" + sock),
             r.superd->log());
}

BOOST_AUTO_TEST_CASE(a_proxy_header_cannot_stand_in_for_the_unix_peer) {
  if (!can_switch_users()) return;
  // The header names an address, but who connected is still checked first.
  Running r(echo_conf("allow_users = root\nproxy_protocol = v1\n"));
  ::chmod(r.dir.path().c_str(), 0755);
  std::string sock = r.dir.path() + "/u.sock";
  const std::string header = "PROXY TCP4 192.0.2.7 198.51.100.1 56324 443\r\n";
  BOOST_TEST(talk_as_nobody(sock, "", header + "hi\n") == "", r.superd->log());
  BOOST_TEST(r.superd->wait_log("reason=uid 65534 gid 65534 not in allow_users"), r.superd->log());
  BOOST_TEST(run({"nc", "-N", "-U", sock}, header + "hi\n", 10).out == "hi\n", r.superd->log());
}

BOOST_AUTO_TEST_CASE(allow_groups_matches_the_group_or_a_supplementary_one) {
  if (!can_switch_users()) return;
  Running r(echo_conf("allow_groups = 4242\n"));
  ::chmod(r.dir.path().c_str(), 0755);
  std::string sock = r.dir.path() + "/u.sock";
  BOOST_TEST(talk_as_nobody(sock, "") == "", r.superd->log());
  BOOST_TEST(r.superd->wait_log("reason=uid 65534 gid 65534 not in allow_groups"), r.superd->log());
  // Supplementary groups come from SO_PEERGROUPS.
  BOOST_TEST(talk_as_nobody(sock, "100,4242") == "hi\n", r.superd->log());

  r.rewrite(echo_conf("allow_groups = nogroup\nallow_users = 4242\n"));
  BOOST_REQUIRE(r.superd->reload());
  BOOST_TEST(talk_as_nobody(sock, "") == "hi\n", r.superd->log());  // nogroup is 65534's own group
  BOOST_TEST(run({"nc", "-N", "-U", sock}, "hi\n", 10).out == "", r.superd->log());
  BOOST_TEST(r.superd->wait_log("reason=uid 0 gid 0 not in allow_users or allow_groups"), r.superd->log());
}

BOOST_AUTO_TEST_CASE(programs_are_checked_too) {
  if (!can_switch_users()) return;
  Running r("[p]\nport = @DIR@/p.sock|unix\nsocket_mode = 0666\nuser = nobody\nexec = /bin/echo served\n"
            "allow_users = nobody\n");
  ::chmod(r.dir.path().c_str(), 0755);
  std::string sock = r.dir.path() + "/p.sock";
  // No input: the program does not read, and nc would stop at a failed write.
  BOOST_TEST(talk_as_nobody(sock, "", "") == "served\n", r.superd->log());
  BOOST_TEST(run({"nc", "-N", "-U", sock}, "", 10).out == "", r.superd->log());
  BOOST_TEST(r.superd->wait_log("refuse service=p peer=unix:pid="), r.superd->log());
  BOOST_TEST(r.count("reason=uid 0 gid 0 not in allow_users") == 1, r.superd->log());
}

BOOST_AUTO_TEST_CASE(refused_where_they_cannot_be_checked) {
  TempDir dir;
  std::string path = dir.write("superd.conf",
                               "[a]\nport = 127.0.0.1:1\nbuiltin = echo\nallow_users = root\n"
                               "[b]\nport = " + dir.path() + "/b.sock|unix\nwait = yes\nexec = /bin/cat\n"
                               "allow_groups = 0\n"
                               "[c]\nport = " + dir.path() + "/c.sock|unix\nbuiltin = echo\n"
                               "allow_users = no-such-user-here\nallow_groups = no-such-group-here\n");
  RunResult check = run({SUPERD_BINARY, "--check", "-c", path, "--user=nobody"});
  BOOST_TEST(check.status == 1);
  BOOST_TEST(contains(check.err, path + ":4: service 'a': 'allow_users' applies to Unix stream endpoints only, "
                                        "and the service has none"),
             check.err);
  BOOST_TEST(contains(check.err, path + ":9: service 'b': 'allow_groups' cannot be checked in wait mode: "
                                        "the program accepts the connections itself and superd never sees them"),
             check.err);
  BOOST_TEST(contains(check.err, path + ":13: service 'c': allow_users: unknown user 'no-such-user-here'"),
             check.err);
  BOOST_TEST(contains(check.err, path + ":14: service 'c': allow_groups: unknown group 'no-such-group-here'"),
             check.err);
}

BOOST_AUTO_TEST_SUITE_END()
