// SPDX-License-Identifier: MIT
#include "core/status_report.hpp"

#include <chrono>
#include <cstdlib>

#include "core/context.hpp"
#include "sys/sd_notify.hpp"

namespace superd::core {

namespace {
constexpr double kInterval = 1.0;  // seconds between two dumps, or two STATUS= messages
}  // namespace

StatusReport::StatusReport(boost::asio::io_context& io, log::Logger& log,
                           std::function<void()> dump, std::function<std::string()> status_line)
    : log_(log),
      dump_(std::move(dump)),
      status_line_(std::move(status_line)),
      dump_timer_(io),
      notify_timer_(io),
      notifying_(std::getenv("NOTIFY_SOCKET") != nullptr) {}

void StatusReport::dump_requested() {
  if (pending_ > 0) {
    ++pending_;
    return;
  }
  double wait = last_dump_ + kInterval - now_seconds();
  if (wait <= 0) return dump_now();
  pending_ = 1;
  dump_timer_.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(wait)));
  dump_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    if (pending_ > 1)
      log_.write(log::kNotice, "status: one dump for " + std::to_string(pending_) +
                                   " SIGUSR1 signals (at most one dump a second)");
    pending_ = 0;
    dump_now();
  });
}

void StatusReport::dump_now() {
  last_dump_ = now_seconds();
  dump_();
}

void StatusReport::counts_changed() {
  if (notify_armed_ || !notifying_) return;
  notify_armed_ = true;
  notify_timer_.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(kInterval)));
  notify_timer_.async_wait([this](const boost::system::error_code& ec) {
    notify_armed_ = false;
    if (!ec) notify();
  });
}

void StatusReport::notify() {
  std::string line = status_line_();
  if (line == last_status_) return;
  last_status_ = std::move(line);
  sys::sd_notify(last_status_);
}

void StatusReport::stop() {
  dump_timer_.cancel();
  notify_timer_.cancel();
  pending_ = 0;
}

}  // namespace superd::core
