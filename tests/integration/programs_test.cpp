// SPDX-License-Identifier: MIT
// Real inetd-style programs from Debian's packages: in.tftpd (wait-mode
// UDP) with the tftp client, sshd -i with the ssh client, git daemon --inetd
// with git clone.
#include <sys/stat.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>

#include "running.hpp"

using namespace superd::test;

namespace {
bool need(const std::vector<std::string>& programs) {
  for (const auto& p : programs)
    if (!has(p)) {
      BOOST_TEST_MESSAGE("skipped: " + p + " is not installed (./do test installs it)");
      return false;
    }
  return true;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(programs)

BOOST_AUTO_TEST_CASE(tftp_from_in_tftpd_in_wait_mode) {
  if (!need({"/usr/sbin/in.tftpd", "tftp"}) || ::geteuid() != 0) return;
  TempDir files;
  ::chmod(files.path().c_str(), 0755);
  std::string content(100000, 'T');
  files.write("big.bin", content);
  // -s: chroot to the directory; -t 1: exit after one idle second, so superd resumes watching.
  Running r("[tftp]\nport = 127.0.0.1:@P0@/udp\nwait = yes\nuser = root\n"
            "exec = /usr/sbin/in.tftpd -s -t 1 -u nobody " + files.path() + "\n");
  for (int round = 0; round < 2; ++round) {
    std::string dest = r.dir.path() + "/got" + std::to_string(round);
    RunResult t = run({"tftp", "-m", "binary", "127.0.0.1", std::to_string(r.ports[0]), "-c", "get",
                       "big.bin", dest}, "", 30);
    BOOST_TEST(t.status == 0, t.out + t.err);
    BOOST_TEST(run({"cat", dest}).out == content);
    // The first in.tftpd exits after its idle second; the second fetch starts a new one.
    if (round == 0) BOOST_TEST(r.superd->wait_log("end service=tftp peer=127.0.0.1:", 15), r.superd->log());
  }
  BOOST_TEST(r.superd->wait_log("end service=tftp", 15));
}

BOOST_AUTO_TEST_CASE(ssh_through_sshd_dash_i) {
  if (!need({"/usr/sbin/sshd", "ssh", "ssh-keygen"}) || ::geteuid() != 0) return;
  TempDir keys;
  ::chmod(keys.path().c_str(), 0700);
  std::string host = keys.path() + "/host_ed25519", user = keys.path() + "/user_ed25519";
  BOOST_REQUIRE(run({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", host}).status == 0);
  BOOST_REQUIRE(run({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", user}).status == 0);
  run({"cp", user + ".pub", keys.path() + "/authorized_keys"});
  ::mkdir("/run/sshd", 0755);  // sshd's privilege separation directory
  std::string cfg = keys.write("sshd_config",
                               "HostKey " + host + "\nAuthorizedKeysFile " + keys.path() +
                                   "/authorized_keys\nPidFile none\nUsePAM no\nStrictModes no\n"
                                   "PasswordAuthentication no\nPermitRootLogin prohibit-password\n");
  Running r("[ssh]\nport = 127.0.0.1:@P0@\nuser = root\nexec = /usr/sbin/sshd -i -e -f " + cfg + "\n");
  RunResult s = run({"ssh", "-i", user, "-p", std::to_string(r.ports[0]), "-o", "BatchMode=yes",
                     "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                     "root@127.0.0.1", "echo hello from $SSH_CONNECTION"},
                    "", 30);
  BOOST_TEST(s.status == 0, s.err + "\n" + r.superd->log());
  BOOST_TEST(contains(s.out, "hello from 127.0.0.1"), s.out);
  BOOST_TEST(r.superd->wait_log("end service=ssh peer=127.0.0.1:"), r.superd->log());
  // sshd -e logs to stderr, which superd relays into its log tagged with service and pid.
  BOOST_TEST(r.superd->wait_log("]: Accepted publickey for root from 127.0.0.1"), r.superd->log());
}

BOOST_AUTO_TEST_CASE(git_clone_from_git_daemon_inetd) {
  if (!need({"git"})) return;
  TempDir repos;
  std::string work = repos.path() + "/work", bare = repos.path() + "/project.git";
  std::map<std::string, std::string> env{{"GIT_AUTHOR_NAME", "t"}, {"GIT_AUTHOR_EMAIL", "t@example.org"},
                                         {"GIT_COMMITTER_NAME", "t"}, {"GIT_COMMITTER_EMAIL", "t@example.org"}};
  BOOST_REQUIRE(run({"git", "init", "-q", work}).status == 0);
  repos.write("work/README", "cloned through superd\n");
  BOOST_REQUIRE(run({"git", "-C", work, "add", "README"}).status == 0);
  BOOST_REQUIRE(run({"git", "-C", work, "commit", "-q", "-m", "first"}, "", 20, env).status == 0);
  BOOST_REQUIRE(run({"git", "clone", "-q", "--bare", work, bare}).status == 0);
  // safe.directory: the repository belongs to the test's user, the daemon runs as nobody.
  Running r("[git]\nport = 127.0.0.1:@P0@\n" + user_line() +
            "exec = /usr/bin/git -c safe.directory=* daemon --inetd --export-all --base-path=" +
            repos.path() + " " + repos.path() + "\n");
  std::string dest = r.dir.path() + "/clone";
  RunResult c = run({"git", "clone", "-q", "git://127.0.0.1:" + std::to_string(r.ports[0]) + "/project.git", dest},
                    "", 30);
  BOOST_TEST(c.status == 0, c.err + "\n" + r.superd->log());
  BOOST_TEST(run({"cat", dest + "/README"}).out == "cloned through superd\n");
}

BOOST_AUTO_TEST_SUITE_END()
