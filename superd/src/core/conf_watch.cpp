// SPDX-License-Identifier: MIT
#include "core/conf_watch.hpp"

#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

namespace superd::core {

namespace {
// Writers replace a file in several steps (create, write, rename): one reload
// after they settle, soon enough for update-inetd's callers.
constexpr auto kSettle = std::chrono::milliseconds(200);
constexpr std::uint32_t kEvents =
    IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE | IN_ATTRIB;

std::string dir_of(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == 0 || slash == std::string::npos ? "/" : path.substr(0, slash);
}
}  // namespace

ConfWatch::ConfWatch(boost::asio::io_context& io, log::Logger& log, std::function<void()> changed)
    : io_(io), log_(log), changed_(std::move(changed)), fd_(io), settle_(io) {}

ConfWatch::~ConfWatch() = default;

void ConfWatch::watch(const std::vector<std::string>& paths) {
  std::set<std::string> files(paths.begin(), paths.end());
  if (files == files_) return;
  // Start afresh: few files, rarely changed.
  settle_.cancel();
  fd_.close();
  dirs_.clear();
  files_.clear();
  if (files.empty()) return;
  int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) {
    log_.log(log::kWarning, std::string("cannot watch inetd_conf files (inotify_init1: ") +
                                std::strerror(errno) + "); reload superd after changing them");
    return;
  }
  fd_.assign(fd);
  std::set<std::string> dirs;
  for (const std::string& f : files) dirs.insert(dir_of(f));
  for (const std::string& d : dirs) {
    int wd = ::inotify_add_watch(fd, d.c_str(), kEvents | IN_ONLYDIR);
    if (wd < 0) {
      log_.log(log::kWarning, "cannot watch " + d + " (inotify_add_watch: " + std::strerror(errno) +
                                  "); reload superd after changing files in it");
      continue;
    }
    dirs_[wd] = d;
  }
  for (const std::string& f : files)
    if (std::any_of(dirs_.begin(), dirs_.end(), [&](const auto& w) { return w.second == dir_of(f); }))
      files_.insert(f);
  if (dirs_.empty()) {
    fd_.close();
    return;
  }
  wait();
}

void ConfWatch::wait() {
  fd_.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                 [this](const boost::system::error_code& ec) {
                   if (ec) return;  // closed: watch() replaced it, or superd stops
                   drain();
                   wait();
                 });
}

void ConfWatch::drain() {
  alignas(inotify_event) char buf[4096];
  std::string hit;
  for (;;) {
    ssize_t n = ::read(fd_.native_handle(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    for (char* p = buf; p < buf + n;) {
      auto* ev = reinterpret_cast<inotify_event*>(p);
      p += sizeof(inotify_event) + ev->len;
      auto dir = dirs_.find(ev->wd);
      if (dir == dirs_.end() || ev->len == 0) continue;
      std::string path = dir->second + (dir->second == "/" ? "" : "/") + ev->name;
      if (files_.count(path)) hit = path;
    }
  }
  if (hit.empty()) return;
  settle_.expires_after(kSettle);
  settle_.async_wait([this, hit](const boost::system::error_code& ec) {
    if (ec) return;
    log_.log(log::kNotice, hit + " changed");
    changed_();
  });
}

}  // namespace superd::core
