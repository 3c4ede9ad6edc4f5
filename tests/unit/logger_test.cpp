// SPDX-License-Identifier: MIT
// log/log: the stderr sink, plain on a terminal or file, with a "<N>" syslog
// priority before each line when stderr is the journal (JOURNAL_STREAM).
#include "log/log.hpp"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <fstream>
#include <sstream>
#include <string>

#include "temp_dir.hpp"

using superd::log::is_journal_stream;
using superd::log::Logger;
using superd::test::TempDir;

namespace {

// "DEVICE:INODE" of `fd`, as systemd writes JOURNAL_STREAM.
std::string dev_ino(int fd) {
  struct stat st;
  BOOST_TEST_REQUIRE(::fstat(fd, &st) == 0);
  return std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
}

std::string read_all(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Runs `body` with descriptor 2 on a fresh file and JOURNAL_STREAM set to
// `journal` (unset when null) and returns what was written to stderr.
template <typename F>
std::string captured_stderr(const TempDir& dir, const char* journal, F body) {
  std::string path = dir.write("stderr.txt", "");
  int file = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  BOOST_TEST_REQUIRE(file >= 0);
  std::fflush(stderr);
  int saved = ::dup(2);
  BOOST_TEST_REQUIRE(saved >= 0);
  ::dup2(file, 2);
  std::string env = journal ? (std::string(journal) == "self" ? dev_ino(2) : journal) : "";
  if (journal)
    ::setenv("JOURNAL_STREAM", env.c_str(), 1);
  else
    ::unsetenv("JOURNAL_STREAM");
  body();
  std::fflush(stderr);
  ::unsetenv("JOURNAL_STREAM");
  ::dup2(saved, 2);
  ::close(saved);
  ::close(file);
  return read_all(path);
}

void log_two_lines() {
  Logger logger;
  std::string error;
  BOOST_TEST_REQUIRE(logger.open("stderr", "superd", 0, error));
  logger.set_level(superd::log::kDebug);
  logger.log(superd::log::kErr, "bind 192.0.2.1:21/tcp: Cannot assign requested address");
  logger.log(superd::log::kInfo, "end service=echo status=exit:0");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(logger)

BOOST_AUTO_TEST_CASE(stderr_lines_carry_priority_when_stderr_is_the_journal) {
  TempDir dir;
  BOOST_TEST(captured_stderr(dir, "self", log_two_lines) ==
             "<3>superd: err: bind 192.0.2.1:21/tcp: Cannot assign requested address\n"
             "<6>superd: info: end service=echo status=exit:0\n");
}

BOOST_AUTO_TEST_CASE(stderr_lines_stay_plain_without_journal_stream) {
  TempDir dir;
  BOOST_TEST(captured_stderr(dir, nullptr, log_two_lines) ==
             "superd: err: bind 192.0.2.1:21/tcp: Cannot assign requested address\n"
             "superd: info: end service=echo status=exit:0\n");
}

// A program started by a service inherits JOURNAL_STREAM; when its stderr
// was sent elsewhere (a file here), the variable names another file.
BOOST_AUTO_TEST_CASE(stderr_lines_stay_plain_when_journal_stream_names_another_file) {
  TempDir dir;
  std::string other = dir.write("other", "");
  int fd = ::open(other.c_str(), O_RDONLY | O_CLOEXEC);
  BOOST_TEST_REQUIRE(fd >= 0);
  std::string elsewhere = dev_ino(fd);
  ::close(fd);
  BOOST_TEST(captured_stderr(dir, elsewhere.c_str(), log_two_lines) ==
             "superd: err: bind 192.0.2.1:21/tcp: Cannot assign requested address\n"
             "superd: info: end service=echo status=exit:0\n");
}

BOOST_AUTO_TEST_CASE(journal_stream_matches_device_and_inode) {
  TempDir dir;
  std::string path = dir.write("f", "");
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  BOOST_TEST_REQUIRE(fd >= 0);
  std::string id = dev_ino(fd);
  std::string dev = id.substr(0, id.find(':'));
  BOOST_TEST(is_journal_stream(fd, id.c_str()));
  BOOST_TEST(!is_journal_stream(fd, nullptr));
  BOOST_TEST(!is_journal_stream(fd, ""));
  BOOST_TEST(!is_journal_stream(fd, dev.c_str()));                  // no inode
  BOOST_TEST(!is_journal_stream(fd, (id + "x").c_str()));           // trailing text
  BOOST_TEST(!is_journal_stream(fd, (dev + ":1").c_str()));         // other inode
  BOOST_TEST(!is_journal_stream(-1, id.c_str()));                   // no descriptor
  ::close(fd);
}

BOOST_AUTO_TEST_SUITE_END()
