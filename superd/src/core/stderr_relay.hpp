// SPDX-License-Identifier: MIT
// StderrRelay: the standard error of every program with stderr = log. One
// AF_UNIX datagram socket pair serves them all: the write end is each such
// program's fd 2, and every datagram read from the other end carries its
// writer's pid (SCM_CREDENTIALS), so lines are put back together per writer
// and logged as `NAME[PID]: line` at notice, at most 100 lines a second each.
// The logger escapes what they wrote: a program cannot forge a log line.
#pragma once

#include <sys/types.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "log/log.hpp"

namespace superd::core {

/// Relays the stderr of superd's programs into the log. Loop thread only.
class StderrRelay {
 public:
  StderrRelay(boost::asio::io_context& io, log::Logger& log);
  ~StderrRelay();
  StderrRelay(const StderrRelay&) = delete;
  StderrRelay& operator=(const StderrRelay&) = delete;

  /// The descriptor to give a program as its stderr (CLOEXEC here); -1 when
  /// the socket pair could not be made (programs then get /dev/null).
  int write_fd() const { return write_fd_; }
  /// Tags what `pid` (a child just started) writes as `name[pid]`.
  void watch(pid_t pid, const std::string& name);
  /// Logs what `pid` left queued and its unfinished line, then forgets it
  /// and the descendants of it that wrote. Call when it has been reaped.
  void forget(pid_t pid);
  /// Stops watching the socket (shutdown).
  void stop();

 private:
  /// What one writer has written: its partial line and its rate window.
  struct Writer {
    std::string name;  ///< Service name; empty for a writer that is none of ours.
    std::string tag;   ///< `name[pid]`, or `pid N` for a writer that is none of ours.
    std::string line;  ///< Text after the last newline, at most kMaxLine bytes.
    pid_t pid = 0;     ///< The writer's own pid.
    pid_t owner = 0;   ///< The child it descends from (itself for a child); 0 for none.
    int descendants = 0;  ///< For a child: how many of its descendants have a Writer.
    double window_start = 0;
    int lines = 0;
    long dropped = 0;
  };
  void wait();
  /// Reads at most `max` datagrams without blocking; false when the queue is empty.
  bool receive(int max);
  void take(pid_t pid, const char* data, std::size_t n);
  Writer& writer(pid_t pid);
  /// Tags a writer we did not start after the nearest ancestor that is a child.
  Writer stranger(pid_t pid);
  void emit(Writer& w);
  /// Logs `message` about `w`, with its service and pid as fields for the structured formats.
  void write(const Writer& w, const std::string& message);
  void report_dropped(Writer& w);
  void finish(Writer& w);

  boost::asio::posix::stream_descriptor read_;
  int write_fd_ = -1;
  log::Logger& log_;
  /// As large as the biggest datagram; left uninitialised so that its pages
  /// cost memory only once a large write has used them.
  std::unique_ptr<char[]> buf_;
  std::size_t buf_size_ = 0;
  std::unordered_map<pid_t, Writer> writers_;
  std::size_t orphans_ = 0;  ///< Writers with owner 0.
};

}  // namespace superd::core
