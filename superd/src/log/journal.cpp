// SPDX-License-Identifier: MIT
#include "log/journal.hpp"

#include <syslog.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

#include "log/escape.hpp"
#include "sys/errno_error.hpp"

namespace superd::log {

namespace {

// journald copies at most this much of a datagram; entries are far smaller,
// but a program's long line must not make the send fail (EMSGSIZE).
constexpr int kSendBuffer = 8 << 20;

void append_upper(std::string& out, std::string_view key) {
  for (char c : key) out += (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
}

}  // namespace

void append_journal_field(std::string& out, std::string_view key, std::string_view value) {
  if (value.find('\n') == std::string_view::npos) {
    out += key;
    out += '=';
    out += value;
    out += '\n';
    return;
  }
  out += key;
  out += '\n';
  std::uint64_t n = value.size();
  for (int i = 0; i < 8; ++i) out += static_cast<char>((n >> (8 * i)) & 0xff);
  out += value;
  out += '\n';
}

void journal_entry(const Record& r, std::string_view message, std::string_view ident, int facility,
                   std::string& out, std::string& scratch) {
  static const char* const kPriorities[] = {"3", "4", "5", "6", "7"};  // LOG_ERR .. LOG_DEBUG
  int level = r.level() < 0 ? 0 : (r.level() > 4 ? 4 : r.level());
  append_journal_field(out, "MESSAGE", message);
  append_journal_field(out, "PRIORITY", kPriorities[level]);
  append_journal_field(out, "SYSLOG_FACILITY", std::to_string(LOG_FAC(facility)));
  scratch.clear();
  escape(ident, scratch);
  append_journal_field(out, "SYSLOG_IDENTIFIER", scratch);
  if (!r.event().empty()) append_journal_field(out, "EVENT", r.event());
  std::string key;
  for (const Field& f : r) {
    if (f.show == Show::TextOnly) continue;
    scratch.clear();
    escape(f.value, scratch);
    if (f.kind == Kind::Seconds) scratch += 's';
    key.clear();
    append_upper(key, f.key);
    append_journal_field(out, key, scratch);
  }
}

bool JournalSocket::open(const std::string& path, std::string& error) {
  close();
  path_ = path;
  if (connect_socket(error)) return true;
  close();
  return false;
}

bool JournalSocket::connect_socket(std::string& error) {
  if (fd_ < 0) fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) {
    error = sys::describe_errno("socket", "for " + path_, errno);
    return false;
  }
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path_.size() >= sizeof addr.sun_path) {
    error = "connect " + path_ + ": path too long for a Unix socket";
    return false;
  }
  std::memcpy(addr.sun_path, path_.data(), path_.size());
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    error = sys::describe_errno("connect", path_, errno);
    return false;
  }
  int size = kSendBuffer;
  ::setsockopt(fd_, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  return true;
}

bool JournalSocket::send(std::string_view entry) {
  if (fd_ < 0) return false;
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (::send(fd_, entry.data(), entry.size(), MSG_DONTWAIT | MSG_NOSIGNAL) >= 0) return true;
    if (errno == EINTR) continue;
    // journald restarted: the socket we were connected to is gone.
    if (errno != ECONNREFUSED && errno != ENOTCONN) return false;
    ::close(fd_);
    fd_ = -1;
    std::string ignored;
    if (!connect_socket(ignored)) return false;
  }
  return false;
}

void JournalSocket::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

}  // namespace superd::log
