// SPDX-License-Identifier: MIT
// examples/fuse_chat.cpp, FUSE::Server's synopsis on superd's public API:
// a client gets SECRET_KEY on connect, BROADCAST reaches every client, an
// unknown command is logged; a timer fires; two services of the same
// built-in share nothing.
#include <boost/test/unit_test.hpp>

#include "hub_client.hpp"
#include "running.hpp"

using namespace superd::test;

BOOST_AUTO_TEST_SUITE(hub_example)

BOOST_AUTO_TEST_CASE(fuse_synopsis_in_cpp) {
  TempDir dir;
  int port = free_port(), other = free_port();
  std::string conf = dir.write("superd.conf", "[fuse2]\nport = 127.0.0.1:" + std::to_string(other) +
                                                  "\nbuiltin = fuse\n");
  Superd s(dir, {"-c", conf, "--fuse.port=127.0.0.1:" + std::to_string(port), "--log_level=3"},
           SUPERD_FUSE_EXAMPLE_BINARY);
  BOOST_REQUIRE_MESSAGE(s.ready(), s.log());
  HubClient a(port), b(port), c(other);
  BOOST_TEST(a.line() == "SECRET_KEY 123 456 789");
  BOOST_TEST(b.line() == "SECRET_KEY 123 456 789");
  BOOST_TEST(c.line() == "SECRET_KEY 123 456 789");
  a.send("BROADCAST NEWS/hello everyone\r\n");
  BOOST_TEST(a.line() == "NEWS hello everyone");
  BOOST_TEST(b.line() == "NEWS hello everyone");
  bool ok = true;
  BOOST_TEST(c.line(0.3, &ok) == "");  // another service: another hub
  BOOST_TEST(!ok);
  b.send("FROB x\n");
  BOOST_TEST(s.wait_log("service fuse: Unknown command FROB from client 2"), s.log());
  // A timer of the service; one whose connection left first sends to nobody.
  a.send("LATER in a while\n");
  c.send("LATER never\n");
  ::close(c.fd);
  c.fd = -1;
  BOOST_TEST(a.line(0.5, &ok) == "");
  BOOST_TEST(a.line(5) == "LATER in a while");
}

BOOST_AUTO_TEST_SUITE_END()
