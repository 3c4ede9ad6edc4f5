// SPDX-License-Identifier: MIT
// TempDir for unit tests that need real files: a fresh directory under
// $TMPDIR (or /tmp), removed with everything in it.
#pragma once

#include <stdlib.h>
#include <sys/stat.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <string>

namespace superd::test {

/// A fresh directory, removed with everything in it at destruction.
struct TempDir {
  std::string path;
  TempDir() {
    const char* base = getenv("TMPDIR");
    std::string tmpl = std::string(base && *base ? base : "/tmp") + "/superd-unit-XXXXXX";
    BOOST_TEST_REQUIRE(mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  /// Writes `text` to path/`rel` (creating directories) and returns the full path.
  std::string write(const std::string& rel, const std::string& text) const {
    std::string full = path + "/" + rel;
    std::filesystem::create_directories(std::filesystem::path(full).parent_path());
    std::ofstream(full, std::ios::binary) << text;
    return full;
  }
  /// Makes a FIFO at path/`rel` and returns the full path.
  std::string fifo(const std::string& rel) const {
    std::string full = path + "/" + rel;
    BOOST_TEST_REQUIRE(mkfifo(full.c_str(), 0600) == 0);
    return full;
  }
};

}  // namespace superd::test
