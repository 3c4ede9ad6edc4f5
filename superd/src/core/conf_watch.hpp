// SPDX-License-Identifier: MIT
// ConfWatch: notices that a watched file was written, replaced, created or
// removed (inotify on the directories holding them) and, once the writes
// settle, asks for a reload. superd watches its inetd.conf files, which
// packages edit with update-inetd and expect the superserver to pick up.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "log/log.hpp"

namespace superd::core {

class ConfWatch {
 public:
  /// `changed` runs on the loop, after a watched file changed and no
  /// further change came for a short while.
  ConfWatch(boost::asio::io_context& io, log::Logger& log, std::function<void()> changed);
  ~ConfWatch();
  ConfWatch(const ConfWatch&) = delete;
  ConfWatch& operator=(const ConfWatch&) = delete;

  /// Watches exactly `paths` (absolute) from now on. A directory that cannot
  /// be watched is logged once per call and its files are not watched.
  void watch(const std::vector<std::string>& paths);

 private:
  void wait();
  void drain();

  boost::asio::io_context& io_;
  log::Logger& log_;
  std::function<void()> changed_;
  boost::asio::posix::stream_descriptor fd_;
  boost::asio::steady_timer settle_;
  std::map<int, std::string> dirs_;  ///< Watch descriptor -> directory.
  std::set<std::string> files_;      ///< Watched paths.
};

}  // namespace superd::core
