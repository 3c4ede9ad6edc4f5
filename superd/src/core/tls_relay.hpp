// SPDX-License-Identifier: MIT
// TlsRelay: the TLS layer of a connection. It does the server handshake on
// the client's socket within a time limit, then relays between the TLS
// connection and one end of a socketpair whose other end serves the
// connection as a plain socket: a program's fd 0 and 1, or a built-in's
// StreamSession. All in the event loop, with one bounded buffer each way
// (the reader stops while its buffer is full), and half-close both ways: the
// client's close_notify or EOF becomes a shutdown of the program's input,
// the program's EOF a close_notify and a FIN to the client.
#pragma once

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "net/tls_context.hpp"
#include "sys/unique_fd.hpp"

namespace superd::core {

class TlsRelay;

/// The relays past their handshake: shutdown waits for them, then ends the rest.
using TlsRelays = std::set<TlsRelay*>;

/// A socketpair made for a connection before it is accepted, so that a
/// client superd takes is one it has the descriptors to serve.
struct TlsPair {
  sys::UniqueFd relay_end, served_end;
};

/// One TLS connection. Loop thread only.
class TlsRelay : public std::enable_shared_from_this<TlsRelay> {
 public:
  /// The handshake succeeded; open_inner() gives the plain end.
  using Ready = std::function<void(TlsRelay&)>;
  /// The handshake failed, with the reason; the client's socket is closed.
  using Failed = std::function<void(const std::string& why)>;
  /// Takes `fd` (a connected, non-blocking or blocking TCP or Unix socket)
  /// and starts the handshake; exactly one of `ready` and `failed` runs,
  /// unless the loop stops first. Once relaying, it is listed in `live`.
  static void start(boost::asio::io_context& io, int fd, std::shared_ptr<const net::TlsContext> tls,
                    std::chrono::steady_clock::duration timeout, Ready ready, Failed failed,
                    std::shared_ptr<TlsRelays> live);

  TlsRelay(boost::asio::io_context& io, int fd, std::shared_ptr<const net::TlsContext> tls);
  ~TlsRelay();
  TlsRelay(const TlsRelay&) = delete;
  TlsRelay& operator=(const TlsRelay&) = delete;

  /// In `ready`: takes the socketpair `reserved` (or makes one when it is
  /// null or empty) and starts relaying; returns the end to serve the
  /// connection with (close-on-exec, non-blocking when asked), or -1 with
  /// errno set, and then the relay closes.
  int open_inner(bool nonblocking, TlsPair* reserved = nullptr);
  /// Ends the connection now (superd stops): a close_notify to the client
  /// if the socket takes it, then both ends are closed.
  void end_now();
  /// The plain end went to a program (not a built-in).
  bool serves_program() const { return serves_program_; }
  /// In `ready`: the session's facts as environment entries (net::tls_session_env).
  std::vector<std::string> env() const;

 private:
  void handshake();
  void pump();
  bool relay_up(bool& want_outer_read, bool& want_outer_write, bool& want_inner_write);
  bool relay_down(bool& want_outer_read, bool& want_outer_write, bool& want_inner_read);
  void wait(boost::asio::posix::stream_descriptor& d, boost::asio::posix::descriptor_base::wait_type what,
            bool& pending);
  void fail_handshake(const std::string& why);
  void close();
  void unlist();

  boost::asio::io_context& io_;
  std::shared_ptr<TlsRelays> live_;  ///< Where it is listed while relaying.
  bool listed_ = false, serves_program_ = false;
  boost::asio::posix::stream_descriptor outer_;  ///< The client's socket (TLS).
  boost::asio::posix::stream_descriptor inner_;  ///< superd's end of the socketpair.
  boost::asio::steady_timer timer_;
  std::shared_ptr<const net::TlsContext> tls_;  ///< Keeps the contexts `ssl_` uses.
  SSL* ssl_ = nullptr;
  Ready ready_;
  Failed failed_;
  bool handshaking_ = true, closed_ = false;
  bool outer_reading_ = false, outer_writing_ = false, inner_reading_ = false, inner_writing_ = false;
  bool inner_hangup_ = false;  ///< An error wait for the program's end closing entirely.
  /// Client to program: bytes decrypted and not yet written to the socketpair.
  std::vector<char> up_;
  std::size_t up_len_ = 0, up_pos_ = 0;
  bool up_eof_ = false;   ///< The client sent close_notify or closed.
  bool up_done_ = false;  ///< The program's input was shut down (or it stopped reading).
  /// Program to client: bytes read from the socketpair and not yet encrypted.
  std::vector<char> down_;
  std::size_t down_len_ = 0, down_pos_ = 0;
  bool down_eof_ = false;   ///< The program closed its output.
  bool down_done_ = false;  ///< close_notify and FIN sent to the client.
};

}  // namespace superd::core
