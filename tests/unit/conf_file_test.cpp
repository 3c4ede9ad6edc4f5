// SPDX-License-Identifier: MIT
// conf/ini_source on real files: only regular files of at most
// kMaxConfFileSize bytes are read, whether named by -c or included, and
// nothing else blocks or is read whole (directories, FIFOs, devices).
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "conf/ini_source.hpp"
#include "temp_dir.hpp"

using namespace superd::conf;
using superd::Diagnostic;

namespace {

using superd::test::TempDir;

using Lines = std::vector<std::string>;


/// The diagnostics of read_conf_file(path), as printed.
Lines read_errors(const std::string& path, Settings* out = nullptr) {
  Settings settings;
  std::vector<Diagnostic> diags;
  read_conf_file(path, out ? *out : settings, diags);
  Lines lines;
  for (const Diagnostic& d : diags) lines.push_back(d.str());
  return lines;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(conf_file)

BOOST_AUTO_TEST_CASE(directory_is_refused) {
  TempDir dir;
  BOOST_TEST(read_errors(dir.path) ==
                 Lines{"cannot read '" + dir.path + "': a directory, not a regular file"},
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(fifo_without_writer_is_refused_without_blocking) {
  TempDir dir;
  std::string fifo = dir.fifo("conf.fifo");
  BOOST_TEST(read_errors(fifo) == Lines{"cannot read '" + fifo + "': a FIFO, not a regular file"},
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(devices_are_refused_but_dev_null_is_empty) {
  BOOST_TEST(read_errors("/dev/zero") ==
                 Lines{"cannot read '/dev/zero': a character device, not a regular file"},
             boost::test_tools::per_element());
  BOOST_TEST(read_errors("/dev/null").empty());
}

BOOST_AUTO_TEST_CASE(socket_is_refused) {
  TempDir dir;
  std::string path = dir.path + "/conf.sock";
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  BOOST_TEST_REQUIRE(path.size() < sizeof addr.sun_path);
  std::strcpy(addr.sun_path, path.c_str());
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  BOOST_TEST_REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  BOOST_TEST(read_errors(path) == Lines{"cannot read '" + path + "': a socket, not a regular file"},
             boost::test_tools::per_element());
  close(fd);
}

BOOST_AUTO_TEST_CASE(file_over_the_cap_is_refused_unread) {
  TempDir dir;
  std::string big = dir.write("big.conf", "");
  std::filesystem::resize_file(big, kMaxConfFileSize + 1);  // sparse: costs no disk
  BOOST_TEST(read_errors(big) ==
                 Lines{"cannot read '" + big + "': 16777217 bytes, more than the 16 MiB allowed"},
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(file_of_exactly_the_cap_is_read) {
  TempDir dir;
  std::string full = dir.write("full.conf", "");
  std::filesystem::resize_file(full, kMaxConfFileSize);
  // Read whole: what fails is its one line of NUL bytes, not its size.
  BOOST_TEST(read_errors(full) ==
                 Lines{full + ":1: line is 16777216 bytes, longer than the 65536 allowed"},
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(literal_include_of_a_directory_names_the_including_line) {
  TempDir dir;
  std::filesystem::create_directory(dir.path + "/conf.d");
  std::string main = dir.write("main.conf", "log_level = 1\ninclude = " + dir.path + "/conf.d\n");
  BOOST_TEST(read_errors(main) == Lines{main + ":2: cannot read '" + dir.path +
                                        "/conf.d': a directory, not a regular file"},
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(glob_include_matching_non_regular_files_names_each) {
  TempDir dir;
  std::filesystem::create_directory(dir.path + "/conf.d");
  dir.write("conf.d/a.conf", "[a]\nport = 1\n");
  std::filesystem::create_directory(dir.path + "/conf.d/b.conf");
  std::string fifo = dir.fifo("conf.d/c.conf");
  dir.write("conf.d/d.conf", "[d]\nport = 4\n");
  std::string main = dir.write("main.conf", "include = conf.d/*.conf\n");
  Settings out;
  BOOST_TEST(read_errors(main, &out) ==
                 (Lines{main + ":1: cannot read '" + dir.path +
                            "/conf.d/b.conf': a directory, not a regular file",
                        main + ":1: cannot read '" + fifo + "': a FIFO, not a regular file"}),
             boost::test_tools::per_element());
  // The regular files matched are still read, so every problem shows at once.
  BOOST_TEST(out.size() == 3u);
}

BOOST_AUTO_TEST_CASE(symlink_to_a_regular_file_is_read) {
  TempDir dir;
  std::string real = dir.write("real.conf", "[echo]\nport = 7\n");
  std::string link = dir.path + "/link.conf";
  std::filesystem::create_symlink(real, link);
  Settings out;
  BOOST_TEST(read_errors(link, &out).empty());
  BOOST_TEST(out.size() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
