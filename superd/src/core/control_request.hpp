// SPDX-License-Identifier: MIT
// The control protocol's requests, as pure code that the unit tests and the
// fuzz target drive without a socket. RequestReader collects one line of at
// most kMaxRequest bytes from whatever pieces a socket gives;
// parse_control_request() turns it into a ControlRequest, or says what is
// wrong with it. A request is one line of printable ASCII words separated by
// blanks, ended by LF (CR LF too); `--json` anywhere asks for JSON:
//   status | connections [SERVICE] | sources [SERVICE] | reload | check
//   pause SERVICE | resume SERVICE | drain SERVICE [TIMEOUT] | signal SERVICE SIGNAL
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "conf/value.hpp"

namespace superd::core {

/// What `superd ctl` asks of superd.
enum class ControlCommand { Status, Connections, Sources, Reload, Check, Pause, Resume, Drain, Signal };

/// One parsed request.
struct ControlRequest {
  ControlCommand command = ControlCommand::Status;
  bool json = false;     ///< Answer in JSON rather than text lines.
  std::string service;   ///< The service named; empty for all (connections, sources) or none.
  double timeout = -1;   ///< drain: seconds to wait at most; negative: until the last connection ends.
  conf::Signal signal;   ///< signal: the one to send.
  /// The request as one line without its LF, as the client sends it.
  std::string text() const;
};

/// The longest request line, in bytes, without its LF.
constexpr std::size_t kMaxRequest = 4096;

/// The longest drain timeout, in seconds (30 days).
constexpr double kMaxDrainTimeout = 30 * 24 * 3600;

/// Collects the first line a client sends, from pieces of any size.
class RequestReader {
 public:
  enum class State {
    More,     ///< No LF yet: more bytes are needed.
    Line,     ///< line() is complete; what follows it is ignored.
    TooLong,  ///< kMaxRequest bytes came without an LF.
  };
  /// Adds bytes the client sent; ignored once the state is Line or TooLong.
  State feed(std::string_view bytes);
  State state() const { return state_; }
  /// The line without its LF (or CR LF), once state() is Line.
  const std::string& line() const { return line_; }

 private:
  std::string line_;
  State state_ = State::More;
};

/// The command's name as a request spells it: "status", "drain", ...
const char* command_name(ControlCommand c);

/// Parses one request line (without LF). Returns false with `error` saying
/// what is wrong ("unknown command 'stauts' (did you mean 'status'?)").
bool parse_control_request(std::string_view line, ControlRequest& out, std::string& error);

}  // namespace superd::core
