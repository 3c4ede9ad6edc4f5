// SPDX-License-Identifier: MIT
#include "log/log.hpp"

#include <syslog.h>
#include <unistd.h>

#include <cerrno>
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

Logger::~Logger() {
  if (file_) std::fclose(file_);
  if (sink_ == Sink::Syslog) closelog();
}

bool Logger::open(const std::string& target, const std::string& ident, int facility,
                  std::string& error) {
  if (target == "stderr" || target.empty()) {
    sink_ = Sink::Stderr;
    target_ = "stderr";
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
    case Sink::Stderr:
      std::fprintf(stderr, "superd: %s: %.*s\n", level_name(lv), static_cast<int>(message.size()),
                   message.data());
      return;
  }
}

}  // namespace superd::log
