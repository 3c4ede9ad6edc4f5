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

namespace superd::log {

namespace {
// syslog keeps a pointer to the ident string, so it must outlive openlog().
std::string g_syslog_ident;  // NOLINT: syslog(3) API requires static storage
}  // namespace

const char* level_name(int level) {
  static const char* const kNames[] = {"err", "warning", "notice", "info", "debug"};
  if (level < 0) level = 0;
  if (level > 4) level = 4;
  return kNames[level];
}

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

bool Logger::open(const std::string& target, const std::string& ident, int facility,
                  std::string& error) {
  if (target == "stderr" || target.empty()) {
    sink_ = Sink::Stderr;
    target_ = "stderr";
    stderr_is_journal_ = is_journal_stream(STDERR_FILENO, std::getenv("JOURNAL_STREAM"));
    return true;
  }
  if (target == "syslog") {
    g_syslog_ident = ident;
    openlog(g_syslog_ident.c_str(), LOG_PID | LOG_NDELAY, facility);
    sink_ = Sink::Syslog;
    target_ = target;
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

void Logger::write(int level, std::string_view message) {
  static const int kPriorities[] = {LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO, LOG_DEBUG};
  int lv = level < 0 ? 0 : (level > 4 ? 4 : level);
  switch (sink_) {
    case Sink::Syslog:
      syslog(kPriorities[lv], "%.*s", static_cast<int>(message.size()), message.data());
      return;
    case Sink::File: {
      char stamp[32];
      std::time_t now = std::time(nullptr);
      struct tm tm;
      localtime_r(&now, &tm);
      std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S%z", &tm);
      std::fprintf(file_, "%s superd[%d]: %s: %.*s\n", stamp, static_cast<int>(getpid()),
                   level_name(lv), static_cast<int>(message.size()), message.data());
      return;
    }
    case Sink::Stderr: {
      // The journal reads a leading "<N>" as the line's priority, so that
      // "journalctl -p err" finds errors; elsewhere the line stays plain.
      char priority[8] = "";
      if (stderr_is_journal_) std::snprintf(priority, sizeof priority, "<%d>", kPriorities[lv]);
      std::fprintf(stderr, "%ssuperd: %s: %.*s\n", priority, level_name(lv),
                   static_cast<int>(message.size()), message.data());
      return;
    }
  }
}

}  // namespace superd::log
