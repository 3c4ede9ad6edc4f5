// SPDX-License-Identifier: MIT
// log/log: the stderr sink, plain on a terminal or file, with a "<N>" syslog
// priority before each line when stderr is the journal (JOURNAL_STREAM);
// escaping on every sink; log formats in a file; the journal sink against a
// socket the test binds: exact datagrams, the fall-back to stderr when the
// socket is missing, and the count of entries a full queue refused.
#include "log/log.hpp"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>

#include "temp_dir.hpp"

using superd::log::is_journal_stream;
using superd::log::Logger;
using superd::log::Record;
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

// A datagram socket bound at `path`, as journald's is; closed at destruction.
struct JournalServer {
  int fd = -1;
  explicit JournalServer(const std::string& path) {
    fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
    BOOST_TEST_REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  }
  ~JournalServer() { ::close(fd); }
  JournalServer(const JournalServer&) = delete;
  JournalServer& operator=(const JournalServer&) = delete;
  /// The next datagram, or "" when none is queued.
  std::string next() const {
    char buf[8192];
    ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    return n < 0 ? "" : std::string(buf, static_cast<std::size_t>(n));
  }
};

void write_end_line(Logger& logger) {
  Record r(superd::log::kNotice, "end");
  r.add("service", "echo").add("peer", "127.0.0.1:5555").add("pid", 812).add("status", "exit:0");
  logger.write(r.add_seconds("duration", 0.12).add("endpoint", "127.0.0.1:7/tcp"));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(logger)

// What a program writes reaches the log through write(): whatever it holds,
// the line stays one line and cannot pass for another.
BOOST_AUTO_TEST_CASE(stderr_lines_are_escaped) {
  TempDir dir;
  std::string out = captured_stderr(dir, nullptr, [] {
    Logger logger;
    std::string error;
    BOOST_TEST_REQUIRE(logger.open("stderr", "superd", 0, error));
    logger.write(superd::log::kNotice, "prog[7]: a\x1b[31mRED\rsuperd[1]: notice: forged\nx");
  });
  BOOST_TEST(out == "superd: notice: prog[7]: a\\x1b[31mRED\\x0dsuperd[1]: notice: forged\\x0ax\n");
}

BOOST_AUTO_TEST_CASE(file_lines_in_each_format) {
  TempDir dir;
  std::string path = dir.path + "/superd.log";
  {
    Logger logger;
    std::string error;
    BOOST_TEST_REQUIRE(logger.open(path, "superd", 0, error));
    write_end_line(logger);
    logger.set_format(superd::log::Format::Logfmt);
    write_end_line(logger);
    logger.set_format(superd::log::Format::Json);
    write_end_line(logger);
    logger.write(superd::log::kErr, "a \"quoted\" \xff message");
  }
  std::istringstream lines(read_all(path));
  std::string line;
  std::getline(lines, line);
  std::string pid = std::to_string(::getpid());
  const std::string end = "service=echo peer=127.0.0.1:5555 pid=812 status=exit:0 duration=0.120s "
                          "endpoint=127.0.0.1:7/tcp";
  BOOST_TEST(std::regex_match(line, std::regex("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d[-+]\\d{4} superd\\[" +
                                               pid + "\\]: notice: end " + end)),
             line);
  std::getline(lines, line);
  const std::string time = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}(Z|[-+]\\d\\d:\\d\\d)";
  BOOST_TEST(std::regex_match(line, std::regex("time=" + time + " level=notice event=end " + end)), line);
  std::getline(lines, line);
  auto j = nlohmann::json::parse(line);
  BOOST_TEST(std::regex_match(j["time"].get<std::string>(), std::regex(time)));
  BOOST_TEST(j["level"] == "notice");
  BOOST_TEST(j["event"] == "end");
  BOOST_TEST(j["pid"] == 812);
  BOOST_TEST(j["duration"] == 0.12);
  std::getline(lines, line);
  j = nlohmann::json::parse(line);
  BOOST_TEST(j["msg"] == "a \"quoted\" \\xff message");
  BOOST_TEST(j["level"] == "err");
}

BOOST_AUTO_TEST_CASE(journal_gets_one_datagram_per_record) {
  TempDir dir;
  JournalServer journal(dir.path + "/journal.sock");
  Logger logger;
  logger.set_journal_socket(dir.path + "/journal.sock");
  std::string error;
  BOOST_TEST_REQUIRE(logger.open("journal", "superd-test", LOG_DAEMON, error));
  BOOST_TEST(logger.target() == "journal");
  write_end_line(logger);
  BOOST_TEST(journal.next() ==
             "MESSAGE=end service=echo peer=127.0.0.1:5555 pid=812 status=exit:0 duration=0.120s "
             "endpoint=127.0.0.1:7/tcp\n"
             "PRIORITY=5\nSYSLOG_FACILITY=3\nSYSLOG_IDENTIFIER=superd-test\nEVENT=end\n"
             "SERVICE=echo\nPEER=127.0.0.1:5555\nPID=812\nSTATUS=exit:0\nDURATION=0.120s\n"
             "ENDPOINT=127.0.0.1:7/tcp\n");
  logger.write(superd::log::kWarning, "two\nlines");
  BOOST_TEST(journal.next() ==
             "MESSAGE=two\\x0alines\nPRIORITY=4\nSYSLOG_FACILITY=3\nSYSLOG_IDENTIFIER=superd-test\n");
  // In a structured format MESSAGE is that format's line.
  logger.set_format(superd::log::Format::Json);
  logger.write(superd::log::kInfo, "hello");
  std::string entry = journal.next();
  BOOST_TEST(entry.rfind("MESSAGE={\"time\":\"", 0) == 0u, entry);
  BOOST_TEST(entry.find("\"level\":\"info\",\"msg\":\"hello\"}\nPRIORITY=6\n") != std::string::npos, entry);
  BOOST_TEST(journal.next() == "");
}

BOOST_AUTO_TEST_CASE(journal_falls_back_to_stderr_when_its_socket_is_missing) {
  TempDir dir;
  std::string missing = dir.path + "/no-journal.sock";
  std::string out = captured_stderr(dir, nullptr, [&] {
    Logger logger;
    logger.set_journal_socket(missing);
    std::string error;
    BOOST_TEST(logger.open("journal", "superd", LOG_DAEMON, error));
    BOOST_TEST(error.empty());
    BOOST_TEST(logger.target() == "stderr");
    logger.write(superd::log::kNotice, "still logged");
  });
  BOOST_TEST(out == "superd: warning: log_file = journal: connect " + missing +
                        ": No such file or directory; logging to stderr instead\n"
                        "superd: notice: still logged\n");
}

BOOST_AUTO_TEST_CASE(journal_entries_a_full_queue_refused_are_counted) {
  TempDir dir;
  JournalServer journal(dir.path + "/journal.sock");
  Logger logger;
  logger.set_journal_socket(dir.path + "/journal.sock");
  std::string error;
  BOOST_TEST_REQUIRE(logger.open("journal", "superd", LOG_DAEMON, error));
  constexpr int kSent = 2000;  // far more than net.unix.max_dgram_qlen lets queue
  for (int i = 0; i < kSent; ++i) logger.write(superd::log::kNotice, "line " + std::to_string(i));
  int received = 0;
  while (!journal.next().empty()) ++received;
  if (received == kSent) {
    BOOST_TEST_MESSAGE("skipped: the socket queued all " << kSent << " entries; none was refused");
    return;
  }
  logger.write(superd::log::kNotice, "after");
  BOOST_TEST(journal.next().rfind("MESSAGE=after\n", 0) == 0u);
  BOOST_TEST(journal.next().rfind("MESSAGE=" + std::to_string(kSent - received) +
                                      " log line(s) lost: the journal's socket was full or gone\n"
                                      "PRIORITY=4\n",
                                  0) == 0u);
}

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
