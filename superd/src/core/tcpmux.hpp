// SPDX-License-Identifier: MIT
// TCPMUX (RFC 1078): the `tcpmux` built-in reads the one line in which a
// client names the service it wants, then hands the connection itself to
// that service. TcpmuxRequest reads that line and nothing more: it peeks
// at the input and consumes only up to the line's end, so bytes the client
// sent after it are left for the service. The name is bounded in length
// and must arrive within a time limit.
#pragma once

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/context.hpp"
#include "superd/builtin.hpp"

namespace superd::core {

/// Longest service name line accepted, CR LF included.
constexpr std::size_t kTcpmuxLineMax = 256;

/// Reads one TCPMUX request line from a connection. Loop thread only.
class TcpmuxRequest : public std::enable_shared_from_this<TcpmuxRequest> {
 public:
  /// Called once: with the connection (now the callee's) and the name
  /// line without its line end, or with fd -1 and why the request failed
  /// (the connection is closed then, after a '-' reply where one is due).
  using Done = std::function<void(int fd, std::string line, const char* error)>;
  TcpmuxRequest(Context& ctx, int fd, double timeout, Done done);
  TcpmuxRequest(const TcpmuxRequest&) = delete;
  TcpmuxRequest& operator=(const TcpmuxRequest&) = delete;
  void start();

 private:
  void wait();
  void on_readable();
  /// Ends the request without a service: `reply` (may be null) goes to the client first.
  void fail(const char* reply, const char* error);
  boost::asio::posix::stream_descriptor sock_;
  boost::asio::steady_timer timer_;
  double timeout_;
  std::string line_;  ///< The line so far, its end included once complete.
  Done done_;
};

/// The name in a TCPMUX request line: the line without its CR LF (or LF).
std::string tcpmux_name_of(std::string_view line);

/// The `tcpmux` entry of the built-in table: a stream built-in that the
/// supervisor serves itself (its handler is never asked for).
Builtin tcpmux_builtin();

}  // namespace superd::core
