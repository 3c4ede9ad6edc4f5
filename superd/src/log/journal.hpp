// SPDX-License-Identifier: MIT
// The journal sink (`log_file = journal`): each record is one datagram to
// systemd-journald's native socket, as sd_journal_send(3) writes it
// (systemd's "Native Journal Protocol"): fields `KEY=value\n`, or for a
// value that holds a newline `KEY\n`, its length as a little-endian 64-bit
// number, the value and `\n`. Besides MESSAGE, PRIORITY, SYSLOG_FACILITY and
// SYSLOG_IDENTIFIER, every field of the record goes along under its key in
// upper case (SERVICE=ssh), so `journalctl -u superd SERVICE=ssh` selects.
#pragma once

#include <sys/socket.h>
#include <sys/un.h>

#include <string>
#include <string_view>

#include "log/record.hpp"

namespace superd::log {

/// Where journald listens.
inline constexpr const char* kJournalSocket = "/run/systemd/journal/socket";

/// Appends one field in the native protocol's encoding to `out`.
void append_journal_field(std::string& out, std::string_view key, std::string_view value);

/// Appends the whole entry for `r` to `out`: MESSAGE (`message`, the line
/// as the log format renders it), PRIORITY, SYSLOG_FACILITY (`facility` is
/// a LOG_* value), SYSLOG_IDENTIFIER, EVENT when the record has one, then
/// its fields in order, escaped. `scratch` is working space.
void journal_entry(const Record& r, std::string_view message, std::string_view ident, int facility,
                   std::string& out, std::string& scratch);

/// A datagram socket connected to journald. Loop thread only.
class JournalSocket {
 public:
  JournalSocket() = default;
  ~JournalSocket() { close(); }
  JournalSocket(const JournalSocket&) = delete;
  JournalSocket& operator=(const JournalSocket&) = delete;

  /// Connects to `path`; false with `error` ("connect PATH: No such file
  /// or directory") when nothing listens there.
  bool open(const std::string& path, std::string& error);
  /// Sends one entry without waiting; when journald was restarted, connects
  /// again once. False when the entry could not be sent (a full queue).
  bool send(std::string_view entry);
  void close();
  bool is_open() const { return fd_ >= 0; }

 private:
  bool connect_socket(std::string& error);
  int fd_ = -1;
  std::string path_;
};

}  // namespace superd::log
