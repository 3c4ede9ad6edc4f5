// SPDX-License-Identifier: MIT
// Logger: superd's one log, with levels 0 (err) .. 4 (debug), one sink
// (stderr, syslog, a file, or journald's native socket) and one format
// (log_format: text, logfmt or json). What it writes is a Record (see
// record.hpp), or a plain message, which is a record with only a message;
// every sink writes one line per record, escaped (see escape.hpp), so no
// byte of a program's stderr or a conf file can break or forge a line.
// When stderr is systemd's journal, each line starts with its syslog priority
// ("<3>"), which the journal takes as the line's priority and strips.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

#include "log/journal.hpp"
#include "log/record.hpp"
#include "superd/diagnostic.hpp"

namespace superd::log {

/// Where and how much superd logs. Loop thread only.
class Logger {
 public:
  Logger() = default;
  ~Logger();
  Logger(const Logger&) = delete;
  Logger& operator=(const Logger&) = delete;

  /// Selects the sink: "stderr", "syslog", "journal" or a file path
  /// (appended to). For "stderr", also looks whether stderr is the journal
  /// (JOURNAL_STREAM). When journald's socket cannot be reached, "journal"
  /// falls back to `journal_fallback` ("stderr" or "syslog") and logs a
  /// warning that says why. Returns false and fills `error` when the file
  /// cannot be opened.
  bool open(const std::string& target, const std::string& ident, int facility,
            std::string& error, const char* journal_fallback = "stderr");
  /// The target of the last successful open(): "stderr", "syslog",
  /// "journal" or a path ("stderr" after a fall-back from the journal).
  const std::string& target() const { return target_; }
  /// How lines are written from now on.
  void set_format(Format format) { format_ = format; }
  Format format() const { return format_; }
  /// Where open("journal") connects (kJournalSocket); tests use their own.
  void set_journal_socket(std::string path) { journal_path_ = std::move(path); }
  /// Messages above `level` are dropped.
  void set_level(int level) { level_ = level; }
  int level() const { return level_; }
  /// True when a message at `level` would be written.
  bool enabled(int level) const { return level <= level_; }
  /// Writes a plain message when `level` is enabled.
  void log(int level, std::string_view message) {
    if (enabled(level)) write(level, message);
  }
  /// Writes a plain message regardless of the global level (per-service levels).
  void write(int level, std::string_view message) { write(Record(level, {}, message)); }
  /// Writes `record` when its level is enabled.
  void log(const Record& record) {
    if (enabled(record.level())) write(record);
  }
  /// Writes `record` regardless of the global level.
  void write(const Record& record);

 private:
  enum class Sink { Stderr, Syslog, File, Journal };
  void open_stderr();
  /// Renders `record` into line_ as the sink and format want it (no newline).
  void render_line(const Record& record);
  void write_journal(const Record& record);

  Sink sink_ = Sink::Stderr;
  Format format_ = Format::Text;
  std::FILE* file_ = nullptr;
  std::string target_ = "stderr";
  int level_ = kNotice;
  bool stderr_is_journal_ = false;  ///< Lines to stderr start with "<N>".
  std::string ident_ = "superd";    ///< SYSLOG_IDENTIFIER in the journal.
  int facility_ = 3 << 3;           ///< LOG_DAEMON.
  std::string journal_path_ = kJournalSocket;
  JournalSocket journal_;
  unsigned long journal_lost_ = 0;  ///< Entries journald's full queue refused, not yet reported.
  TimeText time_;
  // Reused for every line, so that writing one allocates nothing once warm.
  std::string line_, entry_, scratch_;
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

}  // namespace superd::log
