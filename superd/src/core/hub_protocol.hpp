// SPDX-License-Identifier: MIT
// The message hub's readers, pure and socket-free so that tests and fuzz
// targets drive them from memory: LineReader cuts a client's bytes into
// lines of bounded length; parse_command() reads one command of a hub
// handler program; parse_json_message() reads one line of a JSON hub
// client and says how to route it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace superd::core {

/// Cuts a byte stream into lines ending in LF (a CR before it is dropped),
/// none longer than a maximum. Holds at most that many bytes.
class LineReader {
 public:
  /// `max`: the longest line accepted, without its line end.
  explicit LineReader(std::size_t max) : max_(max) {}
  /// Calls `on_line(std::string_view)` for each complete line in `bytes`
  /// (the view is valid during the call). Returns false once a line is
  /// longer than the maximum: the reader is spent and ignores what follows.
  /// `on_line` returns false to stop reading (the rest is dropped).
  template <class F>
  bool feed(std::string_view bytes, F&& on_line);
  /// Bytes of an unfinished line held.
  std::size_t buffered() const { return partial_.size(); }
  /// True once a line was too long.
  bool spent() const { return spent_; }

 private:
  static std::string_view chomp(std::string_view line) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return line;
  }
  std::size_t max_;
  std::string partial_;
  bool spent_ = false;
};

template <class F>
bool LineReader::feed(std::string_view bytes, F&& on_line) {
  if (spent_) return false;
  while (!bytes.empty()) {
    const void* nl = std::memchr(bytes.data(), '\n', bytes.size());
    if (!nl) {
      // The CR of a CR LF split across reads counts against the line only once the LF comes.
      if (partial_.size() + bytes.size() > max_ + 1) return spent_ = true, partial_.clear(), false;
      partial_.append(bytes);
      return true;
    }
    std::size_t n = static_cast<std::size_t>(static_cast<const char*>(nl) - bytes.data());
    std::string_view line;
    if (partial_.empty()) {
      line = chomp(bytes.substr(0, n));
    } else {
      partial_.append(bytes.data(), n);
      line = chomp(partial_);
    }
    if (line.size() > max_) return spent_ = true, partial_.clear(), false;
    bool go_on = on_line(line);
    partial_.clear();
    bytes.remove_prefix(n + 1);
    if (!go_on) return true;
  }
  return true;
}

/// One command of a hub handler program (a line on its stdout).
struct HubCommand {
  enum class Kind : std::uint8_t {
    Send,    ///< "send ID TEXT": TEXT to client ID.
    All,     ///< "all TEXT": TEXT to every client.
    Except,  ///< "except ID TEXT": TEXT to every client but ID.
    Close,   ///< "close ID": close client ID once its output is sent.
    Empty,   ///< An empty line: nothing to do.
    Bad,     ///< Not a command; `error` says why.
  };
  Kind kind = Kind::Bad;
  std::uint64_t id = 0;
  std::string_view text;  ///< Points into the line given to parse_command().
  std::string error;
};

/// Reads one handler command line (without its line end).
HubCommand parse_command(std::string_view line);

/// A client id as the line hub writes it: a decimal number, 1 or more;
/// false when `text` is not one.
bool parse_client_id(std::string_view text, std::uint64_t& id);

/// What a JSON hub client's line asks for.
struct JsonMessage {
  enum class Kind : std::uint8_t {
    Register,  ///< {"type":"register","id":ID}: take ID as this client's id.
    Route,     ///< {"from":ID,"to":DEST,...}: deliver the line unchanged to DEST.
    Invalid,   ///< Not valid JSON, not an object, or a field is wrong; `error` says why.
  };
  Kind kind = Kind::Invalid;
  std::string id;  ///< Register: the id asked for; Route: the sender it names.
  bool to_all = false;  ///< Route: "to" is "*" (every registered client but the sender).
  std::vector<std::string> to;  ///< Route: the destination ids otherwise.
  std::string error;
};

/// Longest id a JSON hub client may register, in bytes.
constexpr std::size_t kJsonIdMax = 256;
/// JSON messages nested deeper than this are refused while they are read.
constexpr int kJsonDepthMax = 64;

/// Reads one line of a JSON hub client. Never throws; invalid JSON, invalid
/// UTF-8 and wrong fields come back as Kind::Invalid with the reason.
JsonMessage parse_json_message(std::string_view line);

/// A JSON hub's reply line (with its LF): {"type":TYPE,FIELD:VALUE}; `value`
/// is written as a JSON string, any invalid UTF-8 in it replaced.
std::string json_reply(std::string_view type, std::string_view field, std::string_view value);

}  // namespace superd::core
