// SPDX-License-Identifier: MIT
// The man pages document every key: the KEYS section of superd.conf(5) is
// exactly what the schema generates (refresh it with man/update-keys).
#include "conf/render.hpp"

#include <boost/test/unit_test.hpp>
#include <fstream>
#include <sstream>

#include "conf/schema.hpp"

namespace {
std::string read(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}
}  // namespace

BOOST_AUTO_TEST_SUITE(man_page)

BOOST_AUTO_TEST_CASE(keys_section_matches_the_schema) {
  std::string page = read(SUPERD_SOURCE_DIR "/man/superd.conf.5");
  const std::string begin = ".\\\" BEGIN GENERATED KEYS\n", end = ".\\\" END GENERATED KEYS";
  auto b = page.find(begin), e = page.find(end);
  BOOST_REQUIRE(b != std::string::npos && e != std::string::npos && b < e);
  std::string block = page.substr(b + begin.size(), e - b - begin.size());
  BOOST_TEST(block == superd::conf::man_keys(), "man/superd.conf.5 is stale: run man/update-keys build/superd/superd");
}

BOOST_AUTO_TEST_CASE(every_key_is_documented) {
  std::string page = read(SUPERD_SOURCE_DIR "/man/superd.conf.5");
  for (const auto& k : superd::conf::keys())
    BOOST_TEST(page.find(std::string(".It Cm ") + k.name + " ") != std::string::npos, k.name);
}

BOOST_AUTO_TEST_CASE(the_api_page_names_every_builtin_member_function) {
  std::string header = read(SUPERD_SOURCE_DIR "/superd/include/superd/builtin.hpp");
  std::string page = read(SUPERD_SOURCE_DIR "/man/superd-api.3");
  int found = 0;
  for (std::size_t p = header.find("virtual "); p != std::string::npos; p = header.find("virtual ", p + 1)) {
    std::size_t paren = header.find('(', p);
    std::size_t start = header.rfind(' ', paren) + 1;
    std::string name = header.substr(start, paren - start);
    if (name.empty() || name[0] == '~') continue;
    ++found;
    BOOST_TEST(page.find("Fn " + name) != std::string::npos, name << " is not in man/superd-api.3");
  }
  BOOST_TEST(found >= 20);
}

BOOST_AUTO_TEST_SUITE_END()
