// SPDX-License-Identifier: MIT
#include "log/log.hpp"

#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>


namespace superd::log {

namespace {
// syslog keeps a pointer to the ident string, so it must outlive openlog().
std::string g_syslog_ident;  // NOLINT: syslog(3) API requires static storage
}  // namespace

bool is_journal_stream(int fd, const char* journal_stream) {
  if (!journal_stream) return false;
  // sd_journal_stream_fd(3) and systemd.exec(5): "DEVICE:INODE", both decimal.
  std::uintmax_t dev = 0, ino = 0;
  int end = 0;
  if (std::sscanf(journal_stream, "%" SCNuMAX ":%" SCNuMAX "%n", &dev, &ino, &end) != 2 ||
      journal_stream[end] != '\0')
    return false;
  struct stat st;
  if (::fstat(fd, &st) != 0) return false;
  return static_cast<std::uintmax_t>(st.st_dev) == dev &&
         static_cast<std::uintmax_t>(st.st_ino) == ino;
}

void log_diagnostic(Logger& logger, const Diagnostic& d) {
  int level = d.severity == Severity::Error ? kErr : d.severity == Severity::Warning ? kWarning : kNotice;
  logger.log(level, d.located_message());
}

Logger::~Logger() {
  if (file_) std::fclose(file_);
  if (sink_ == Sink::Syslog) closelog();
}

void Logger::open_stderr() {
  sink_ = Sink::Stderr;
  target_ = "stderr";
  stderr_is_journal_ = is_journal_stream(STDERR_FILENO, std::getenv("JOURNAL_STREAM"));
}

bool Logger::open(const std::string& target, const std::string& ident, int facility,
                  std::string& error, const char* journal_fallback) {
  ident_ = ident;
  facility_ = facility;
  if (target != "journal") journal_.close();
  if (target == "stderr" || target.empty()) {
    open_stderr();
    return true;
  }
  if (target == "syslog") {
    g_syslog_ident = ident;
    openlog(g_syslog_ident.c_str(), LOG_PID | LOG_NDELAY, facility);
    sink_ = Sink::Syslog;
    target_ = target;
    return true;
  }
  if (target == "journal") {
    std::string why;
    if (journal_.open(journal_path_, why)) {
      sink_ = Sink::Journal;
      target_ = target;
      return true;
    }
    std::string fallback = journal_fallback;
    if (fallback == "journal" || !open(fallback, ident, facility, error)) open_stderr();
    write(kWarning, "log_file = journal: " + why + "; logging to " + target_ + " instead");
    return true;
  }
  std::FILE* f = std::fopen(target.c_str(), "ae");
  if (!f) {
    error = "open " + target + ": " + std::strerror(errno);
    return false;
  }
  std::setvbuf(f, nullptr, _IOLBF, 0);
  if (file_) std::fclose(file_);
  file_ = f;
  sink_ = Sink::File;
  target_ = target;
  return true;
}

namespace {
constexpr int kPriorities[] = {LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO, LOG_DEBUG};
}  // namespace

void Logger::render_line(const Record& r) {
  line_.clear();
  int lv = r.level() < 0 ? 0 : (r.level() > 4 ? 4 : r.level());
  timespec now{};
  if (format_ != Format::Text || sink_ == Sink::File) ::clock_gettime(CLOCK_REALTIME, &now);
  // The journal reads a leading "<N>" on its stream as the line's priority,
  // so that "journalctl -p err" finds errors; elsewhere the line stays plain.
  if (sink_ == Sink::Stderr && stderr_is_journal_) {
    line_ += '<';
    line_ += static_cast<char>('0' + kPriorities[lv]);
    line_ += '>';
  }
  if (format_ != Format::Text) return render(r, format_, time_.format(now), line_);
  // The text format keeps its prefixes: the structured ones carry time and level.
  if (sink_ == Sink::Stderr) {
    line_ += "superd: ";
  } else if (sink_ == Sink::File) {
    char stamp[64];
    struct tm tm;
    localtime_r(&now.tv_sec, &tm);
    std::size_t n = std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S%z", &tm);
    line_.append(stamp, n);
    line_ += " superd[";
    line_ += std::to_string(::getpid());
    line_ += "]: ";
  }
  if (sink_ == Sink::Stderr || sink_ == Sink::File) {
    line_ += level_name(lv);
    line_ += ": ";
  }
  render_text(r, line_);
}

void Logger::write(const Record& r) {
  render_line(r);
  switch (sink_) {
    case Sink::Syslog: {
      int lv = r.level() < 0 ? 0 : (r.level() > 4 ? 4 : r.level());
      syslog(kPriorities[lv], "%s", line_.c_str());
      return;
    }
    case Sink::Journal: return write_journal(r);
    case Sink::File:
      line_ += '\n';
      std::fwrite(line_.data(), 1, line_.size(), file_);
      return;
    case Sink::Stderr:
      line_ += '\n';
      std::fwrite(line_.data(), 1, line_.size(), stderr);
      return;
  }
}

void Logger::write_journal(const Record& r) {
  entry_.clear();
  journal_entry(r, line_, ident_, facility_, entry_, scratch_);
  if (!journal_.send(entry_)) {
    ++journal_lost_;
    return;
  }
  if (journal_lost_ == 0) return;
  // Said once journald takes entries again; this line itself is never counted twice.
  std::string note = std::to_string(journal_lost_) +
                     " log line(s) lost: the journal's socket was full or gone";
  journal_lost_ = 0;
  Record lost(kWarning, {}, note);
  render_line(lost);
  entry_.clear();
  journal_entry(lost, line_, ident_, facility_, entry_, scratch_);
  if (!journal_.send(entry_)) ++journal_lost_;
}

}  // namespace superd::log
