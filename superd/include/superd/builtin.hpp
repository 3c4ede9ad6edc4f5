// SPDX-License-Identifier: MIT
// The interface between the supervisor and a built-in service. A built-in
// never sees a socket: it sees a Stream (one connection of a TCP or Unix
// stream endpoint, with bounded output) or one request datagram, so a single
// implementation serves every transport.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace superd {

/// One stream connection as a built-in sees it. Loop thread only.
class Stream {
 public:
  virtual ~Stream() = default;
  /// Queues bytes for the peer. The supervisor stops reading from the peer
  /// while the queue is above its high-water mark, so output stays bounded
  /// as long as a handler writes only in response to events.
  virtual void write(std::string_view bytes) = 0;
  /// Bytes queued and not yet sent.
  virtual std::size_t pending() const = 0;
  /// The size below which the supervisor calls on_drain(); handlers that
  /// produce output on their own (chargen) fill up to this mark.
  virtual std::size_t low_water() const = 0;
  /// Sends what is queued, then closes the connection.
  virtual void close() = 0;
  /// The peer as text: "127.0.0.1:5555", "[::1]:5555" or "unix:pid=42,uid=0".
  virtual const std::string& peer() const = 0;
};

/// Per-connection logic of a stream built-in; one object per connection.
class StreamHandler {
 public:
  virtual ~StreamHandler() = default;
  /// The connection was accepted.
  virtual void on_open(Stream& s) { (void)s; }
  /// Bytes arrived from the peer.
  virtual void on_data(Stream& s, std::string_view bytes) { (void)s, (void)bytes; }
  /// Queued output fell below low_water().
  virtual void on_drain(Stream& s) { (void)s; }
};

/// A built-in service: a name, a one-line description, and a handler for each
/// socket type it supports (an empty function means "not supported").
struct Builtin {
  std::string name;  ///< Value of the `builtin` key; letters, digits, '_' and '-'.
  std::string doc;   ///< One line for --help and the man page.
  /// Makes the handler of one new stream connection.
  std::function<std::unique_ptr<StreamHandler>()> make_stream;
  /// Answers one datagram: fills `reply` and returns true to send it.
  std::function<bool(std::string_view request, std::string& reply)> on_datagram;
};

/// The standard built-ins: echo, discard, chargen, daytime, time.
std::vector<Builtin> standard_builtins();

}  // namespace superd
