// SPDX-License-Identifier: MIT
// log/journal: the native protocol's two field encodings, a whole entry
// byte for byte (fields upper-cased and escaped, text-only ones left out),
// and the errors of connecting to a socket that is not there.
#include "log/journal.hpp"

#include <syslog.h>

#include <boost/test/unit_test.hpp>
#include <string>

#include "temp_dir.hpp"

using namespace superd::log;
using superd::test::TempDir;

BOOST_AUTO_TEST_SUITE(journal)

BOOST_AUTO_TEST_CASE(a_plain_value_is_key_equals_value) {
  std::string out;
  append_journal_field(out, "SERVICE", "ssh");
  BOOST_TEST(out == "SERVICE=ssh\n");
}

BOOST_AUTO_TEST_CASE(a_value_with_a_newline_is_length_prefixed) {
  std::string out;
  append_journal_field(out, "MESSAGE", "two\nlines");
  BOOST_TEST(out == std::string("MESSAGE\n\x09\0\0\0\0\0\0\0two\nlines\n", 8 + 8 + 10));
}

BOOST_AUTO_TEST_CASE(an_entry_has_message_priority_ident_and_every_field) {
  Record r(kNotice, "refuse");
  r.add("service", "ssh").add("peer", "a\rb").add("reason", "cidr_deny 10.0.0.0/8", Show::TextOnly);
  r.add("reason", "access", Show::StructuredOnly).add("limit", 3).add_seconds("duration", 0.25);
  std::string out, scratch;
  journal_entry(r, "refuse service=ssh", "superd\x1b", LOG_DAEMON, out, scratch);
  BOOST_TEST(out ==
             "MESSAGE=refuse service=ssh\n"
             "PRIORITY=5\n"
             "SYSLOG_FACILITY=3\n"
             "SYSLOG_IDENTIFIER=superd\\x1b\n"
             "EVENT=refuse\n"
             "SERVICE=ssh\n"
             "PEER=a\\x0db\n"
             "REASON=access\n"
             "LIMIT=3\n"
             "DURATION=0.250s\n");
}

BOOST_AUTO_TEST_CASE(a_plain_message_has_no_event) {
  Record r(kErr, {}, "boom");
  std::string out, scratch;
  journal_entry(r, "boom", "superd", LOG_LOCAL3, out, scratch);
  BOOST_TEST(out == "MESSAGE=boom\nPRIORITY=3\nSYSLOG_FACILITY=19\nSYSLOG_IDENTIFIER=superd\n");
}

BOOST_AUTO_TEST_CASE(connecting_to_a_missing_socket_says_why) {
  TempDir dir;
  JournalSocket socket;
  std::string error;
  BOOST_TEST(!socket.open(dir.path + "/none", error));
  BOOST_TEST(error == "connect " + dir.path + "/none: No such file or directory");
  BOOST_TEST(!socket.is_open());
  BOOST_TEST(!socket.send("MESSAGE=x\n"));
}

BOOST_AUTO_TEST_CASE(a_path_too_long_for_a_unix_socket_says_so) {
  JournalSocket socket;
  std::string error, path = "/" + std::string(200, 'x');
  BOOST_TEST(!socket.open(path, error));
  BOOST_TEST(error == "connect " + path + ": path too long for a Unix socket");
}

BOOST_AUTO_TEST_SUITE_END()
