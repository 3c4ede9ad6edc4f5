// SPDX-License-Identifier: MIT
// Integration test harness: runs the real superd binary on loopback with a
// conf written to a temporary directory, waits for its READY=1 on a private
// NOTIFY_SOCKET, and talks to it with the test's own sockets or real clients.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

namespace superd::test {

/// How much more memory superd may grow by in this build. AddressSanitizer (a
/// SUPERD_SANITIZE build, where superd and the tests are built alike) pads
/// every block with redzones and holds freed blocks back in quarantine.
#if defined(__SANITIZE_ADDRESS__)
#define SUPERD_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SUPERD_TEST_ASAN 1
#endif
#endif
#ifdef SUPERD_TEST_ASAN
inline constexpr long kMemoryScale = 4;
#else
inline constexpr long kMemoryScale = 1;
#endif

/// A fresh directory, removed with everything in it at destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  /// Writes `content` to path()/name (mode 0755 when `executable`) and returns the full path.
  std::string write(const std::string& name, const std::string& content, bool executable = false) const;

 private:
  std::string path_;
};

/// A loopback port free for both TCP and UDP right now.
int free_port();

/// The result of a finished command.
struct RunResult {
  int status = -1;  ///< Exit code, or 128+signal; -1 when it timed out and was killed.
  std::string out, err;
};

/// Runs `argv` (no shell) with `input` on stdin; kills it after `timeout` seconds.
RunResult run(const std::vector<std::string>& argv, const std::string& input = "",
              double timeout = 20, const std::map<std::string, std::string>& env = {});

/// True when `program` exists (absolute path, or found in PATH).
bool has(const std::string& program);

/// A running superd. Stopped with SIGTERM (then SIGKILL) at destruction.
class Superd {
 public:
  /// Starts `binary` with `args`; the log goes to dir/superd.log.
  Superd(const TempDir& dir, std::vector<std::string> args, const std::string& binary = SUPERD_BINARY);
  ~Superd();
  /// Waits for READY=1 (true) or for the process to exit first (false).
  bool ready(double timeout = 15);
  /// Sends SIGHUP and waits for the READY=1 that ends the reload (true), or
  /// for the process to exit first (false).
  bool reload(double timeout = 15);
  /// Every sd_notify message received so far, in order.
  const std::vector<std::string>& notifications() const { return notes_; }
  /// Receives sd_notify messages until one at index `from` or later contains
  /// `needle` (true), or `timeout` passes (false).
  bool wait_notification(const std::string& needle, std::size_t from = 0, double timeout = 10);
  /// Sends `sig` and waits for the exit; returns the exit code (128+sig if killed).
  int stop(int sig = 15, double timeout = 20);
  /// Waits for the process to exit by itself; returns its exit code, -1 on timeout.
  int wait_exit(double timeout = 20);
  /// Everything superd has logged so far.
  std::string log() const;
  /// Polls the log until it contains `needle`; false after `timeout`.
  bool wait_log(const std::string& needle, double timeout = 10) const;
  pid_t pid() const { return pid_; }
  /// Descriptors open in superd now (/proc/PID/fd).
  int open_fds() const;
  /// Resident memory in KiB (/proc/PID/status VmRSS).
  long rss_kib() const;
  /// PIDs of superd's children that are zombies now.
  std::vector<pid_t> zombie_children() const;

 private:
  std::string log_path_, notify_path_;
  int notify_fd_ = -1;
  std::vector<std::string> notes_;
  pid_t pid_ = -1;
  int status_ = -1;
};

/// The inode of the TCP socket listening on 127.0.0.1:`port` (/proc/net/tcp); 0 if none.
unsigned long listening_inode(int port);
/// Connects to 127.0.0.1:`port` over TCP; returns the descriptor or -1.
int tcp_connect(int port);
/// CPU seconds (user + system) `pid` has used, from /proc/PID/stat.
double cpu_seconds(pid_t pid);
/// A Unix socket of `type` (SOCK_STREAM, SOCK_DGRAM) bound to `path`; -1 on failure.
int unix_bound(const std::string& path, int type);
/// Connects to a Unix stream socket at `path`; returns the descriptor or -1.
int unix_connect(const std::string& path);
/// Sends `data`, optionally half-closes, then reads until EOF, `want` bytes or `timeout`.
std::string converse(int fd, const std::string& data, std::size_t want = ~std::size_t{0},
                     double timeout = 5, bool half_close = true);
/// One TCP exchange with 127.0.0.1:`port`.
std::string tcp_talk(int port, const std::string& data, std::size_t want = ~std::size_t{0},
                     double timeout = 5);
/// Sends one UDP datagram to 127.0.0.1:`port` and returns the first reply ("" on timeout).
std::string udp_talk(int port, const std::string& data, double timeout = 2);
/// Reads from `fd` until EOF or `timeout`; true when EOF was seen.
bool reads_eof(int fd, double timeout = 5);

}  // namespace superd::test
