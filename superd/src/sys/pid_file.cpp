// SPDX-License-Identifier: MIT
#include "sys/pid_file.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>

#include "sys/errno_error.hpp"

namespace superd::sys {

namespace {

// How often to start over when the file is removed while we lock it.
constexpr int kAttempts = 5;

std::string absolute(const std::string& path) {
  if (path.empty() || path[0] == '/') return path;
  char cwd[PATH_MAX];
  if (!::getcwd(cwd, sizeof cwd)) return path;
  return std::string(cwd) + "/" + path;
}

// The pid the holder wrote, or 0. A holder writes its pid right after taking
// the lock, so an empty file means it is just starting: look again briefly.
pid_t holder_pid(int fd) {
  for (int tries = 0; tries < 50; ++tries) {
    char text[32] = {};
    ssize_t n = ::pread(fd, text, sizeof text - 1, 0);
    long pid = n > 0 ? std::strtol(text, nullptr, 10) : 0;
    if (pid > 0 && pid <= INT_MAX) return static_cast<pid_t>(pid);
    ::poll(nullptr, 0, 10);
  }
  return 0;
}

// True when `fd` is still the file named `path`. A superd that stops removes
// its file before releasing the lock, so whoever opened the file just before
// that holds a lock on a file no one can see any more, and must start over.
bool still_named(int fd, const std::string& path) {
  struct stat open_file, named;
  return ::fstat(fd, &open_file) == 0 && ::stat(path.c_str(), &named) == 0 &&
         open_file.st_dev == named.st_dev && open_file.st_ino == named.st_ino;
}

}  // namespace

bool PidFile::acquire(const std::string& path, std::string& error) {
  std::string full = absolute(path);
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    // No O_TRUNC: the file may name a running superd, whose pid must stay.
    UniqueFd fd(::open(full.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644));
    if (!fd) {
      error = describe("open", path, last_error());
      return false;
    }
    if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
      if (errno != EWOULDBLOCK) {
        error = describe("flock", path, last_error());
        return false;
      }
      pid_t pid = holder_pid(fd.get());
      error = "pid file " + path + " is held by " +
              (pid > 0 ? "pid " + std::to_string(pid) : std::string("another process")) +
              " (another superd is running)";
      return false;
    }
    if (!still_named(fd.get(), full)) continue;
    path_ = full;
    fd_ = std::move(fd);
    if (write(::getpid(), error)) return true;
    remove();
    return false;
  }
  error = "pid file " + path + " was removed each time it was locked; is another superd starting?";
  return false;
}

bool PidFile::write(pid_t pid, std::string& error) {
  std::string text = std::to_string(pid) + "\n";
  // Overwrite, then cut: a reader never finds the file empty, at worst the
  // tail of a longer old pid after the newline.
  ssize_t n = ::pwrite(fd_.get(), text.data(), text.size(), 0);
  if (n != static_cast<ssize_t>(text.size())) {
    error = describe("write", path_,
                     n < 0 ? last_error() : std::make_error_code(std::errc::no_space_on_device));
    return false;
  }
  if (::ftruncate(fd_.get(), static_cast<off_t>(text.size())) != 0) {
    error = describe("ftruncate", path_, last_error());
    return false;
  }
  return true;
}

void PidFile::remove() {
  if (!fd_) return;
  // While the lock is held the name is ours, so remove it before closing.
  ::unlink(path_.c_str());
  fd_.reset();
}

}  // namespace superd::sys
