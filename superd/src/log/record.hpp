// SPDX-License-Identifier: MIT
// Record: one log entry as data: a level, an event name ("end", "refuse",
// "pause", "ignore", "status"; none for a plain message), an optional
// message, and ordered key/value fields. Fields are views of the caller's
// strings plus numbers formatted into the record itself, so building one
// allocates nothing; it lives on the stack for the one call that writes it.
// The renderers below turn it into a line in each log_format:
//   text    end service=echo peer=127.0.0.1:5555 status=closed ... duration=0.120s
//   logfmt  time=2024-05-01T12:00:00.120+02:00 level=notice event=end service=echo ...
//   json    {"time":"...","level":"notice","event":"end","service":"echo",...}
// Every value goes through log::escape() on the way.
#pragma once

#include <cstddef>
#include <ctime>
#include <string>
#include <string_view>
#include <type_traits>

namespace superd::log {

/// Severity levels, numbered as the `log_level` key counts them.
enum Level : int { kErr = 0, kWarning = 1, kNotice = 2, kInfo = 3, kDebug = 4 };

/// Name of a level: "err", "warning", "notice", "info", "debug".
const char* level_name(int level);

/// How a line is written (`log_format`).
enum class Format { Text, Logfmt, Json };

/// What a field's value is, for the formats that care.
enum class Kind : unsigned char {
  Text,
  Number,   ///< A number: bare in JSON.
  Seconds,  ///< Three decimals: "0.120s" in text, logfmt and the journal; 0.120 in JSON.
};

/// Which renderings show a field. The text format keeps the lines superd
/// always wrote; where a structured field says the same thing differently,
/// the text line keeps its old form and the structured formats get the new.
enum class Show : unsigned char { All, TextOnly, StructuredOnly };

/// One key/value pair of a record. Trivial, so that a record's unused
/// slots cost nothing to make: only Record fills them, and wholly.
struct Field {
  /// Lower case letters, digits and '_'; its upper case names the journal field.
  std::string_view key;
  std::string_view value;
  Kind kind;
  Show show;
};

/// One log entry. Not copyable: number fields point into the record.
class Record {
 public:
  /// At most this many fields; more are a programming error and are dropped.
  static constexpr std::size_t kMaxFields = 14;

  /// A record of `event` (may be empty) with an optional plain `message`.
  explicit Record(int level, std::string_view event = {}, std::string_view message = {})
      : level_(level), event_(event), message_(message) {}
  Record(const Record&) = delete;
  Record& operator=(const Record&) = delete;

  /// Adds a text field. `value` must outlive the record.
  Record& add(std::string_view key, std::string_view value, Show show = Show::All) {
    if (count_ < kMaxFields) fields_[count_++] = Field{key, value, Kind::Text, show};
    return *this;
  }
  /// Adds an integer field.
  template <class Int,
            std::enable_if_t<std::is_integral_v<Int> && !std::is_same_v<Int, bool>, int> = 0>
  Record& add(std::string_view key, Int value, Show show = Show::All) {
    if constexpr (std::is_signed_v<Int>)
      return add_number(key, static_cast<long long>(value), show);
    else
      return add_number(key, static_cast<unsigned long long>(value), show);
  }
  /// Adds a number that may have a fraction (shortest exact form: 10, 0.5).
  Record& add(std::string_view key, double value, Show show = Show::All);
  /// Adds a duration in seconds, written with three decimals.
  Record& add_seconds(std::string_view key, double seconds, Show show = Show::All);

  int level() const { return level_; }
  std::string_view event() const { return event_; }
  std::string_view message() const { return message_; }
  const Field* begin() const { return fields_; }
  const Field* end() const { return fields_ + count_; }
  std::size_t size() const { return count_; }

 private:
  Record& add_number(std::string_view key, long long value, Show show);
  Record& add_number(std::string_view key, unsigned long long value, Show show);
  Record& add_formatted(std::string_view key, char* first, char* last, Kind kind, Show show);

  int level_;
  std::string_view event_, message_;
  Field fields_[kMaxFields];  ///< The first count_ are set.
  std::size_t count_ = 0;
  char digits_[kMaxFields * 24];  ///< Text of the number fields; digits_used_ bytes taken.
  std::size_t digits_used_ = 0;
};

/// Appends the text format of `r`: event, message, then `key=value` fields,
/// separated by spaces, values escaped and never quoted.
void render_text(const Record& r, std::string& out);
/// Appends `r` as one logfmt line: time, level, event, msg, then the fields;
/// a value is quoted when it is empty or holds anything but printable ASCII
/// other than '=', '"' and '\'.
void render_logfmt(const Record& r, std::string_view time, std::string& out);
/// Appends `r` as one JSON object: time, level, event, msg, then the fields;
/// numbers bare, everything else as strings of escaped text.
void render_json(const Record& r, std::string_view time, std::string& out);
/// Appends `r` in `format`; `time` is ignored by the text format.
void render(const Record& r, Format format, std::string_view time, std::string& out);

/// RFC 3339 local time with milliseconds ("2024-05-01T12:00:00.120+02:00").
/// Keeps the text of the last second, so most calls only write the milliseconds.
class TimeText {
 public:
  /// The time `now` (CLOCK_REALTIME) as text; valid until the next call.
  std::string_view format(const timespec& now);

 private:
  std::time_t second_ = -1;  ///< The second text_ shows; -1 before the first call.
  char text_[32] = {};       ///< "YYYY-MM-DDTHH:MM:SS.mmm+HH:MM".
  std::size_t size_ = 0;
  std::size_t millis_at_ = 0;  ///< Where the milliseconds are in text_.
};

}  // namespace superd::log
