// SPDX-License-Identifier: MIT
// Logger: superd's one log, with levels 0 (err) .. 4 (debug) and one sink:
// stderr, syslog or a file. Every line is a whole message; connection ends are
// logged as one stable line ("end service=echo peer=... status=exit:0 ...").
// When stderr is systemd's journal, each line starts with its syslog priority
// ("<3>"), which the journal takes as the line's priority and strips.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

#include "superd/diagnostic.hpp"

namespace superd::log {

/// Severity levels, numbered as the `log_level` key counts them.
enum Level : int { kErr = 0, kWarning = 1, kNotice = 2, kInfo = 3, kDebug = 4 };

/// Where and how much superd logs. Loop thread only.
class Logger {
 public:
  Logger() = default;
  ~Logger();
  Logger(const Logger&) = delete;
  Logger& operator=(const Logger&) = delete;

  /// Selects the sink: "stderr", "syslog" or a file path (appended to).
  /// For "stderr", also looks whether stderr is the journal (JOURNAL_STREAM).
  /// Returns false and fills `error` when the file cannot be opened.
  bool open(const std::string& target, const std::string& ident, int facility,
            std::string& error);
  /// The target of the last successful open(): "stderr", "syslog" or a path.
  const std::string& target() const { return target_; }
  /// Messages above `level` are dropped.
  void set_level(int level) { level_ = level; }
  int level() const { return level_; }
  /// True when a message at `level` would be written.
  bool enabled(int level) const { return level <= level_; }
  /// Writes one line when `level` is enabled.
  void log(int level, std::string_view message) {
    if (enabled(level)) write(level, message);
  }
  /// Writes one line regardless of the global level (per-service levels).
  void write(int level, std::string_view message);

 private:
  enum class Sink { Stderr, Syslog, File };
  Sink sink_ = Sink::Stderr;
  std::FILE* file_ = nullptr;
  std::string target_ = "stderr";
  int level_ = kNotice;
  bool stderr_is_journal_ = false;  ///< Lines to stderr start with "<N>".
};

/// True when descriptor `fd` is the stream that `journal_stream` names: the
/// value of JOURNAL_STREAM ("DEVICE:INODE" in decimal), which systemd sets
/// when it connects stdout or stderr to the journal. False when
/// `journal_stream` is null, malformed, or names another file: a program
/// started from a service inherits the variable but may have its own stderr.
bool is_journal_stream(int fd, const char* journal_stream);

/// Logs a configuration diagnostic at its own level (err, warning, notice),
/// as "FILE:LINE: message": the line already names the level.
void log_diagnostic(Logger& logger, const Diagnostic& diagnostic);

/// Name of a level: "err", "warning", "notice", "info", "debug".
const char* level_name(int level);

}  // namespace superd::log
