// SPDX-License-Identifier: MIT
// hub_protocol = json: clients register unique ids, then send JSON objects
// naming their sender and destination (an id, a list, or "*"), which superd
// routes unchanged; duplicate ids, unknown destinations, invalid JSON and
// invalid UTF-8 get error replies, and an over-long object closes its sender.
#include <boost/test/unit_test.hpp>

#include "hub_client.hpp"
#include "running.hpp"

using namespace superd::test;

namespace {

const std::string kConf =
    "[json]\nport = 127.0.0.1:@P0@\nbuiltin = hub\nhub_protocol = json\ntimeout = 0\nmax_message = 2K\n";

const std::string kRegistered(const std::string& id) {
  return "{\"type\":\"registered\",\"id\":\"" + id + "\"}";
}

std::string error(const std::string& text) { return "{\"type\":\"error\",\"error\":\"" + text + "\"}"; }

}  // namespace

BOOST_AUTO_TEST_SUITE(hub_json)

BOOST_AUTO_TEST_CASE(registration_and_routing) {
  Running r(kConf);
  HubClient alice(r.ports[0]), bob(r.ports[0]), carol(r.ports[0]), mallory(r.ports[0]);
  alice.send("{\"type\":\"register\",\"id\":\"alice\"}\n");
  BOOST_TEST(alice.line() == kRegistered("alice"));
  bob.send("{\"type\":\"register\",\"id\":\"bob\"}\r\n");
  BOOST_TEST(bob.line() == kRegistered("bob"));
  carol.send("{\"type\":\"register\",\"id\":\"carol\"}\n");
  BOOST_TEST(carol.line() == kRegistered("carol"));
  // A second registration of a live id is refused; the client may pick another.
  mallory.send("{\"type\":\"register\",\"id\":\"alice\"}\n");
  BOOST_TEST(mallory.line() == error("id 'alice' is already registered"));
  bob.send("{\"type\":\"register\",\"id\":\"bobby\"}\n");
  BOOST_TEST(bob.line() == error("already registered as 'bob'"));
  // Routed unchanged, byte for byte.
  std::string m1 = "{ \"from\": \"alice\", \"to\": \"bob\", \"body\": {\"n\": 1.50, \"s\": \"h\\u00e9\"} }";
  alice.send(m1 + "\n");
  BOOST_TEST(bob.line() == m1);
  std::string m2 = "{\"from\":\"bob\",\"to\":[\"alice\",\"carol\"],\"x\":[]}";
  bob.send(m2 + "\n");
  BOOST_TEST(alice.line() == m2);
  BOOST_TEST(carol.line() == m2);
  std::string m3 = "{\"from\":\"carol\",\"to\":\"*\"}";
  carol.send(m3 + "\n");
  BOOST_TEST(alice.line() == m3);
  BOOST_TEST(bob.line() == m3);
  bool ok = true;
  BOOST_TEST(mallory.line(0.3, &ok) == "");  // not registered: gets nothing
  BOOST_TEST(!ok);
  // Unknown destinations: the known ones get it, the sender hears of the rest.
  std::string m4 = "{\"from\":\"alice\",\"to\":[\"bob\",\"zed\",\"yan\"]}";
  alice.send(m4 + "\n");
  BOOST_TEST(bob.line() == m4);
  BOOST_TEST(alice.line() == error("unknown destination 'zed', 'yan'"));
  // Once alice is gone, her id is free again and unknown.
  ::close(alice.fd);
  alice.fd = -1;
  bool freed = false;
  for (int i = 0; i < 50 && !freed; ++i) {
    bob.send("{\"from\":\"bob\",\"to\":\"alice\"}\n");
    freed = bob.line() == error("unknown destination 'alice'");
  }
  BOOST_TEST(freed);
  mallory.send("{\"type\":\"register\",\"id\":\"alice\"}\n");
  BOOST_TEST(mallory.line() == kRegistered("alice"));
}

BOOST_AUTO_TEST_CASE(bad_messages_get_error_replies) {
  Running r(kConf);
  HubClient a(r.ports[0]), b(r.ports[0]);
  a.send("{\"from\":\"a\",\"to\":\"b\"}\n");
  BOOST_TEST(a.line() == error("register first: {\\\"type\\\":\\\"register\\\",\\\"id\\\":ID}"));
  a.send("{\"type\":\"register\",\"id\":\"a\"}\n");
  BOOST_TEST(a.line() == kRegistered("a"));
  a.send("{\"from\":\"b\",\"to\":\"a\"}\n");
  BOOST_TEST(a.line() == error("\\\"from\\\" must be your id 'a'"));
  a.send("not json\n");
  std::string l = a.line();
  BOOST_TEST(l.rfind("{\"type\":\"error\",\"error\":\"invalid JSON: ", 0) == 0u, l);
  a.send("{\"from\":\"a\",\"to\":\"\xff\xfe\"}\n");
  l = a.line();
  BOOST_TEST(contains(l, "invalid JSON: "), l);
  BOOST_TEST(contains(l, "UTF-8"), l);
  a.send("[1,2,3]\n");
  BOOST_TEST(a.line() == error("a message must be a JSON object"));
  a.send("{\"from\":\"a\",\"to\":7}\n");
  BOOST_TEST(a.line() == error("\\\"to\\\" must be an id, a non-empty list of ids, or \\\"*\\\""));
  // Still served after all that.
  b.send("{\"type\":\"register\",\"id\":\"b\"}\n");
  BOOST_TEST(b.line() == kRegistered("b"));
  a.send("{\"from\":\"a\",\"to\":\"b\"}\n");
  BOOST_TEST(b.line() == "{\"from\":\"a\",\"to\":\"b\"}");
  // An object over max_message closes its sender with a message.
  a.send("{\"from\":\"a\",\"to\":\"b\",\"pad\":\"" + std::string(3000, 'p') + "\"}\n");
  BOOST_TEST(a.line() == error("message longer than 2048 bytes; closing"));
  BOOST_TEST(a.closed());
  BOOST_TEST(r.superd->wait_log("sent a message longer than max_message (2048 bytes); closing it"), r.superd->log());
  b.send("{\"from\":\"b\",\"to\":\"a\"}\n");
  BOOST_TEST(b.line() == error("unknown destination 'a'"));
}

BOOST_AUTO_TEST_SUITE_END()
