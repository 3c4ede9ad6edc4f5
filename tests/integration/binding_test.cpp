// SPDX-License-Identifier: MIT
// Binding: failures name the endpoint, the service and the conf line; Unix
// socket files are replaced only when stale; nothing half-starts.
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cstring>

#include "harness.hpp"

using namespace superd::test;

namespace {
bool contains(const std::string& hay, const std::string& needle) {
  return hay.find(needle) != std::string::npos;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(binding)

BOOST_AUTO_TEST_CASE(address_in_use_names_endpoint_service_and_line) {
  TempDir dir;
  int first = free_port(), taken = free_port();
  int blocker = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(taken));
  a.sin_addr.s_addr = htonl(0x7f000001);
  BOOST_REQUIRE(::bind(blocker, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  ::listen(blocker, 1);
  std::string conf = dir.write("superd.conf",
                               "[first]\nport = 127.0.0.1:" + std::to_string(first) +
                                   "\nbuiltin = echo\n"
                                   "[echo]\nport = 127.0.0.1:" + std::to_string(taken) +
                                   "\nbuiltin = echo\n");
  Superd s(dir, {"-c", conf});
  BOOST_TEST(!s.ready());
  BOOST_TEST(s.wait_exit() == 111);
  BOOST_TEST(contains(s.log(), "bind 127.0.0.1:" + std::to_string(taken) +
                                   "/tcp: Address already in use (service echo, " + conf + ":5)"),
             s.log());
  BOOST_TEST(tcp_connect(first) == -1);  // nothing half-started
  ::close(blocker);
}

BOOST_AUTO_TEST_CASE(stale_unix_socket_is_replaced) {
  TempDir dir;
  std::string path = dir.path() + "/echo.sock";
  int stale = unix_bound(path, SOCK_STREAM);
  BOOST_REQUIRE(stale >= 0);
  ::close(stale);  // the file stays, nobody listens
  Superd s(dir, {"-c", dir.write("s.conf", "[echo]\nport = " + path + "|unix\nbuiltin = echo\nsocket_mode = 0600\n")});
  BOOST_REQUIRE_MESSAGE(s.ready(), s.log());
  struct stat st;
  BOOST_REQUIRE(::stat(path.c_str(), &st) == 0);
  BOOST_TEST((st.st_mode & 0777) == 0600u);
  int fd = unix_connect(path);
  BOOST_TEST(converse(fd, "fresh") == "fresh");
  ::close(fd);
  BOOST_TEST(s.stop() == 0);
  BOOST_TEST(::access(path.c_str(), F_OK) != 0);  // removed on exit
}

BOOST_AUTO_TEST_CASE(socket_owner_and_group) {
  if (::geteuid() != 0) {
    BOOST_TEST_MESSAGE("skipped: chown needs root");
    return;
  }
  TempDir dir;
  std::string path = dir.path() + "/owned.sock";
  Superd s(dir, {"-c", dir.write("s.conf", "[echo]\nport = " + path +
                                               "|unix\nbuiltin = echo\nsocket_owner = nobody\n"
                                               "socket_group = 65534\nsocket_mode = 0660\n")});
  BOOST_REQUIRE_MESSAGE(s.ready(), s.log());
  struct stat st;
  BOOST_REQUIRE(::stat(path.c_str(), &st) == 0);
  BOOST_TEST(st.st_uid == 65534u);
  BOOST_TEST(st.st_gid == 65534u);
  BOOST_TEST((st.st_mode & 0777) == 0660u);
}

BOOST_AUTO_TEST_CASE(live_unix_socket_is_not_stolen) {
  TempDir dir;
  std::string path = dir.path() + "/busy.sock";
  int live = unix_bound(path, SOCK_STREAM);
  BOOST_REQUIRE(live >= 0);
  ::listen(live, 1);
  Superd s(dir, {"-c", dir.write("s.conf", "[echo]\nport = " + path + "|unix\nbuiltin = echo\n")});
  BOOST_TEST(!s.ready());
  BOOST_TEST(s.wait_exit() == 111);
  BOOST_TEST(contains(s.log(), "bind " + path + "|unix: another process is listening on it"), s.log());
  ::close(live);
}

BOOST_AUTO_TEST_CASE(regular_file_is_never_removed) {
  TempDir dir;
  std::string path = dir.write("data.txt", "precious");
  Superd s(dir, {"-c", dir.write("s.conf", "[echo]\nport = " + path + "|unix\nbuiltin = echo\n")});
  BOOST_TEST(!s.ready());
  BOOST_TEST(s.wait_exit() == 111);
  BOOST_TEST(contains(s.log(), "a file that is not a socket exists there"), s.log());
  RunResult cat = run({"cat", path});
  BOOST_TEST(cat.out == "precious");
}

BOOST_AUTO_TEST_CASE(dual_stack_star_and_ipv6_literal) {
  TempDir dir;
  int port = free_port();
  Superd s(dir, {"-c", dir.write("s.conf", "[echo]\nport = *:" + std::to_string(port) + "\nbuiltin = echo\n")});
  BOOST_REQUIRE_MESSAGE(s.ready(), s.log());
  BOOST_TEST(tcp_talk(port, "v4 via dual stack") == "v4 via dual stack");
  if (has("socat")) {
    RunResult r = run({"socat", "-", "TCP6:[::1]:" + std::to_string(port)}, "v6\n");
    BOOST_TEST(r.out == "v6\n", r.err);
  }
}

BOOST_AUTO_TEST_CASE(service_names_from_etc_services) {
  TempDir dir;
  RunResult r = run({SUPERD_BINARY, "--check", "-c",
                     dir.write("s.conf", "[e]\nport = 127.0.0.1:echo/tcp\nport = nosuchservice/udp\nbuiltin = echo\n")});
  BOOST_TEST(r.status == 1);
  BOOST_TEST(contains(r.err, "unknown service name 'nosuchservice/udp'"), r.err);
  BOOST_TEST(!contains(r.err, "echo/tcp"), r.err);
}

BOOST_AUTO_TEST_SUITE_END()
