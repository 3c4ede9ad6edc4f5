// SPDX-License-Identifier: MIT
// conf/shown: the compact table of effective values by section: values and
// origins read back as added, repeatable keys in order, a global value of a
// key of both scopes inherited (and only such a key), keys listed sorted and
// once, unknown sections and keys answered as absent.
#include "conf/shown.hpp"

#include <boost/test/unit_test.hpp>

using namespace superd::conf;
using Lines = std::vector<std::string>;

namespace {

Origin at(const std::string& file, int line) { return Origin{Layer::ConfFile, file, line}; }

// A global section with a key of both scopes and a global-only key, and two services.
ShownTable sample() {
  ShownTable t;
  t.begin_section("");
  t.add("max_connections", "10", at("/etc/superd.conf", 1));
  t.add("timeout", "5", Origin{Layer::CommandLine, "", 0});
  t.begin_section("web");
  t.add("port", "127.0.0.1:80", at("/etc/superd.d/web.conf", 2));
  t.add("port", "[::1]:80", at("/etc/superd.d/web.conf", 3));
  t.add("exec", "/usr/sbin/httpd -i", at("/etc/superd.d/web.conf", 4));
  t.begin_section("echo");
  t.add("timeout", "30", at("/etc/superd.conf", 9));
  t.add("builtin", "echo", at("/etc/superd.conf", 8));
  t.shrink();
  return t;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(shown)

BOOST_AUTO_TEST_CASE(repeatable_values_keep_their_order_and_origins) {
  ShownTable t = sample();
  std::optional<ShownValue> v = t.find("web", "port");
  BOOST_REQUIRE(v.has_value());
  BOOST_TEST(v->texts == (Lines{"127.0.0.1:80", "[::1]:80"}), boost::test_tools::per_element());
  BOOST_REQUIRE(v->origins.size() == 2u);
  BOOST_TEST(v->origins[1].str() == "conf-file /etc/superd.d/web.conf:3");
  BOOST_TEST(v->origin.str() == "conf-file /etc/superd.d/web.conf:2");
  BOOST_TEST(!v->inherited);
  BOOST_TEST(t.find("web", "exec")->texts == Lines{"/usr/sbin/httpd -i"}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_global_value_of_both_scopes_is_inherited_unless_the_service_sets_it) {
  ShownTable t = sample();
  std::optional<ShownValue> v = t.find("web", "timeout");
  BOOST_REQUIRE(v.has_value());
  BOOST_TEST(v->inherited);
  BOOST_TEST(v->texts == Lines{"5"}, boost::test_tools::per_element());
  BOOST_TEST(v->origin.str() == "command-line");
  BOOST_TEST(!t.has_own("web", "timeout"));
  std::optional<ShownValue> own = t.find("echo", "timeout");
  BOOST_REQUIRE(own.has_value());
  BOOST_TEST(!own->inherited);
  BOOST_TEST(own->texts == Lines{"30"}, boost::test_tools::per_element());
  BOOST_TEST(t.has_own("echo", "timeout"));
  // max_connections is global only: no service has it.
  BOOST_TEST(!t.find("web", "max_connections").has_value());
  BOOST_TEST(t.find("", "max_connections")->origin.str() == "conf-file /etc/superd.conf:1");
}

BOOST_AUTO_TEST_CASE(keys_are_sorted_once_with_the_inherited_ones) {
  ShownTable t = sample();
  auto names = [](const std::vector<std::string_view>& v) { return Lines(v.begin(), v.end()); };
  BOOST_TEST(names(t.keys("web")) == (Lines{"exec", "port", "timeout"}), boost::test_tools::per_element());
  BOOST_TEST(names(t.keys("echo")) == (Lines{"builtin", "timeout"}), boost::test_tools::per_element());
  BOOST_TEST(names(t.keys("")) == (Lines{"max_connections", "timeout"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(own_origins_come_in_the_order_added) {
  ShownTable t = sample();
  Lines got;
  for (const Origin& o : t.own_origins("echo")) got.push_back(o.str());
  BOOST_TEST(got == (Lines{"conf-file /etc/superd.conf:9", "conf-file /etc/superd.conf:8"}),
             boost::test_tools::per_element());
  BOOST_TEST(t.own_origins("nothing").empty());
}

BOOST_AUTO_TEST_CASE(unknown_sections_and_keys_are_absent) {
  ShownTable t = sample();
  BOOST_TEST(t.has_section("web"));
  BOOST_TEST(t.has_section(""));
  BOOST_TEST(!t.has_section("we"));
  BOOST_TEST(!t.find("nothing", "port").has_value());
  BOOST_TEST(!t.find("web", "no_such_key").has_value());
  BOOST_TEST(!t.find("web", "builtin").has_value());
  BOOST_TEST(t.keys("nothing").empty());
  // A section that is absent inherits nothing either.
  BOOST_TEST(!t.find("nothing", "timeout").has_value());
}

BOOST_AUTO_TEST_CASE(an_empty_table_has_no_sections) {
  ShownTable t;
  BOOST_TEST(!t.has_section(""));
  BOOST_TEST(!t.find("", "timeout").has_value());
  BOOST_TEST(t.keys("").empty());
}

BOOST_AUTO_TEST_SUITE_END()
