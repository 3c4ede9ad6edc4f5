// SPDX-License-Identifier: MIT
// The interface between the supervisor and a built-in service. A built-in
// never sees a socket: it sees a Stream (one connection of a TCP or Unix
// stream endpoint, with bounded output) or one request datagram, so a single
// implementation serves every transport. Two shapes of stream built-in:
//  - StreamHandler, one object per connection that sees only its own peer
//    (echo, chargen): the simple case;
//  - ServiceHandler, one object per configured service that sees every
//    connection open, send and close, and writes to any of them through its
//    ServiceHost (a chat, a message hub).
// superd-api(3) describes both.
#pragma once

#include <cstddef>
#include <cstdint>
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
  /// The connection ended (either side closed it, it was reset, timed out or
  /// shut down); writing to `s` does nothing now.
  virtual void on_close(Stream& s) { (void)s; }
};

/// Names one connection of a service: never 0, never reused while superd runs.
using ConnectionId = std::uint64_t;
/// Names a timer started with ServiceHost::after(); never 0.
using TimerId = std::uint64_t;

/// What a service-wide built-in can do with its service's connections.
/// Loop thread only; no call ends a connection or calls the handler back
/// before it returns (ends and closes happen on the next turn of the loop).
class ServiceHost {
 public:
  virtual ~ServiceHost() = default;
  /// Queues `bytes` for connection `id` and starts sending them in this turn
  /// of the loop, whatever the peer is doing. When the peer does not read and
  /// its queue would pass the high-water mark, the service's `slow_reader`
  /// policy applies: the connection is closed with a log line naming it
  /// (disconnect), or these bytes are dropped and counted (drop). Returns
  /// false when `id` is not live or the bytes were not queued.
  virtual bool send(ConnectionId id, std::string_view bytes) = 0;
  /// send() to every live connection but `except` (0: none); returns how many queued it.
  virtual std::size_t broadcast(std::string_view bytes, ConnectionId except = 0) = 0;
  /// Closes `id` once what is queued for it is sent; does nothing when it is not live.
  virtual void close(ConnectionId id) = 0;
  /// True while `id` is a live connection of this service.
  virtual bool alive(ConnectionId id) const = 0;
  /// The peer of `id` as Stream::peer() writes it; empty when `id` is not live.
  virtual std::string peer(ConnectionId id) const = 0;
  /// The live connections, oldest first.
  virtual std::vector<ConnectionId> connections() const = 0;
  /// Runs `fn` once, on the loop, after `seconds`; the service's end cancels it.
  virtual TimerId after(double seconds, std::function<void()> fn) = 0;
  /// Cancels a timer that has not run yet; does nothing otherwise.
  virtual void cancel(TimerId timer) = 0;
  /// Writes `message` to superd's log at `level` (0 err .. 4 debug) when the
  /// service's log_level allows it, prefixed with "service NAME: ".
  virtual void log(int level, std::string_view message) = 0;
  /// The service's name (its conf section).
  virtual const std::string& name() const = 0;
};

/// Service-wide logic of a stream built-in: one object per configured
/// service (two services never share one), made when the service starts and
/// destroyed after its last connection ends. A reload that keeps the service
/// with the same built-in keeps the object and its connections.
class ServiceHandler {
 public:
  virtual ~ServiceHandler() = default;
  /// Connection `id` was accepted (access rules and limits admitted it).
  virtual void on_open(ConnectionId id) { (void)id; }
  /// Bytes arrived from `id`; the view is valid during the call only.
  virtual void on_data(ConnectionId id, std::string_view bytes) { (void)id, (void)bytes; }
  /// `id` ended; it is no longer live.
  virtual void on_close(ConnectionId id) { (void)id; }
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
  /// Makes the service-wide handler of one configured service; when set, it
  /// serves stream connections instead of `make_stream`. `host` outlives it.
  std::function<std::unique_ptr<ServiceHandler>(ServiceHost& host)> make_service;
};

/// The standard built-ins: echo, discard, chargen, daytime, time.
std::vector<Builtin> standard_builtins();

}  // namespace superd
