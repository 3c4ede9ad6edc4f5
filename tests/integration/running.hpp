// SPDX-License-Identifier: MIT
// Running: a superd started on a conf given as text, with @P0@, @P1@, ...
// replaced by free loopback ports and @DIR@ by a fresh temporary directory.
#pragma once

#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <memory>
#include <string>
#include <vector>

#include "harness.hpp"

namespace superd::test {

struct Running {
  TempDir dir;
  std::vector<int> ports;
  std::unique_ptr<Superd> superd;
  explicit Running(std::string conf, int nports = 1, std::vector<std::string> extra = {}) {
    for (int i = 0; i < nports; ++i) ports.push_back(free_port());
    std::vector<std::string> args{"-c", dir.write("superd.conf", expand(conf)), "--log_level=3"};
    args.insert(args.end(), extra.begin(), extra.end());
    superd = std::make_unique<Superd>(dir, args);
    BOOST_REQUIRE_MESSAGE(superd->ready(), "superd did not start:\n" + superd->log());
  }
  /// `conf` with @Pn@ and @DIR@ replaced as at start (ports already allocated).
  std::string expand(std::string conf) const {
    for (std::size_t i = 0; i < ports.size(); ++i) {
      std::string tag = "@P" + std::to_string(i) + "@";
      for (auto pos = conf.find(tag); pos != std::string::npos; pos = conf.find(tag))
        conf.replace(pos, tag.size(), std::to_string(ports[i]));
    }
    for (auto pos = conf.find("@DIR@"); pos != std::string::npos; pos = conf.find("@DIR@"))
      conf.replace(pos, 5, dir.path());
    return conf;
  }
  /// Replaces the conf file (expanded as at start); superd reads it on SIGHUP.
  void rewrite(const std::string& conf) const { dir.write("superd.conf", expand(conf)); }
  /// How many times `needle` appears in the log now.
  int count(const std::string& needle) const {
    std::string log = superd->log();
    int n = 0;
    for (auto p = log.find(needle); p != std::string::npos; p = log.find(needle, p + 1)) ++n;
    return n;
  }
};

/// Exec services name their user when superd runs as root (as the tests do in CI).
inline std::string user_line() { return ::geteuid() == 0 ? "user = nobody\n" : ""; }

inline bool contains(const std::string& hay, const std::string& needle) {
  return hay.find(needle) != std::string::npos;
}

}  // namespace superd::test
