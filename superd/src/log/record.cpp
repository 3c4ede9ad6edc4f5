// SPDX-License-Identifier: MIT
#include "log/record.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "log/escape.hpp"

namespace superd::log {

const char* level_name(int level) {
  static const char* const kNames[] = {"err", "warning", "notice", "info", "debug"};
  if (level < 0) level = 0;
  if (level > 4) level = 4;
  return kNames[level];
}

Record& Record::add_formatted(std::string_view key, char* first, char* last, Kind kind, Show show) {
  auto n = static_cast<std::size_t>(last - first);
  digits_used_ += n;
  if (count_ < kMaxFields) fields_[count_++] = Field{key, std::string_view(first, n), kind, show};
  return *this;
}

Record& Record::add_number(std::string_view key, long long value, Show show) {
  char* first = digits_ + digits_used_;
  auto [last, ec] = std::to_chars(first, digits_ + sizeof digits_, value);
  if (ec != std::errc()) return *this;
  return add_formatted(key, first, last, Kind::Number, show);
}

Record& Record::add_number(std::string_view key, unsigned long long value, Show show) {
  char* first = digits_ + digits_used_;
  auto [last, ec] = std::to_chars(first, digits_ + sizeof digits_, value);
  if (ec != std::errc()) return *this;
  return add_formatted(key, first, last, Kind::Number, show);
}

Record& Record::add(std::string_view key, double value, Show show) {
  char* first = digits_ + digits_used_;
  // Infinity and NaN are no JSON numbers; limits are finite anyway.
  auto [last, ec] = std::isfinite(value) ? std::to_chars(first, digits_ + sizeof digits_, value)
                                         : std::to_chars_result{first, std::errc::invalid_argument};
  if (ec != std::errc()) return *this;
  return add_formatted(key, first, last, Kind::Number, show);
}

// Milliseconds in integers: libstdc++'s to_chars with a precision goes
// through printf, which costs more than the rest of an end line.
Record& Record::add_seconds(std::string_view key, double seconds, Show show) {
  if (!(seconds >= 0 && seconds < 1e15)) seconds = 0;  // a clock step, never a real duration
  auto ms = static_cast<unsigned long long>(std::llround(seconds * 1000));
  char* first = digits_ + digits_used_;
  char* end = digits_ + sizeof digits_;
  auto [last, ec] = std::to_chars(first, end, ms / 1000);
  if (ec != std::errc() || end - last < 4) return *this;
  unsigned frac = static_cast<unsigned>(ms % 1000);
  *last++ = '.';
  *last++ = static_cast<char>('0' + frac / 100);
  *last++ = static_cast<char>('0' + frac / 10 % 10);
  *last++ = static_cast<char>('0' + frac % 10);
  return add_formatted(key, first, last, Kind::Seconds, show);
}

namespace {

// logfmt leaves a value bare only when a reader cannot mistake where it ends.
bool bare_in_logfmt(std::string_view v) {
  if (v.empty()) return false;
  for (unsigned char c : v)
    if (c <= ' ' || c >= 0x7f || c == '=' || c == '"' || c == '\\') return false;
  return true;
}

void logfmt_value(std::string_view v, std::string& out) {
  if (bare_in_logfmt(v)) {
    out += v;
    return;
  }
  out += '"';
  escape(v, out, Quoting::Logfmt);
  out += '"';
}

void json_string(std::string_view v, std::string& out) {
  out += '"';
  escape(v, out, Quoting::Json);
  out += '"';
}

}  // namespace

void render_text(const Record& r, std::string& out) {
  const std::size_t start = out.size();
  auto separate = [&] {
    if (out.size() > start) out += ' ';
  };
  out += r.event();
  if (!r.message().empty()) {
    separate();
    escape(r.message(), out);
  }
  for (const Field& f : r) {
    if (f.show == Show::StructuredOnly) continue;
    separate();
    out += f.key;
    out += '=';
    escape(f.value, out);
    if (f.kind == Kind::Seconds) out += 's';
  }
}

void render_logfmt(const Record& r, std::string_view time, std::string& out) {
  out += "time=";
  out += time;
  out += " level=";
  out += level_name(r.level());
  if (!r.event().empty()) {
    out += " event=";
    logfmt_value(r.event(), out);
  }
  if (!r.message().empty()) {
    out += " msg=";
    logfmt_value(r.message(), out);
  }
  for (const Field& f : r) {
    if (f.show == Show::TextOnly) continue;
    out += ' ';
    out += f.key;
    out += '=';
    logfmt_value(f.value, out);
    if (f.kind == Kind::Seconds) out += 's';
  }
}

void render_json(const Record& r, std::string_view time, std::string& out) {
  out += "{\"time\":";
  json_string(time, out);
  out += ",\"level\":\"";
  out += level_name(r.level());
  out += '"';
  if (!r.event().empty()) {
    out += ",\"event\":";
    json_string(r.event(), out);
  }
  if (!r.message().empty()) {
    out += ",\"msg\":";
    json_string(r.message(), out);
  }
  for (const Field& f : r) {
    if (f.show == Show::TextOnly) continue;
    out += ",\"";
    out += f.key;
    out += "\":";
    if (f.kind == Kind::Text)
      json_string(f.value, out);
    else
      out += f.value;
  }
  out += '}';
}

void render(const Record& r, Format format, std::string_view time, std::string& out) {
  switch (format) {
    case Format::Text:
      return render_text(r, out);
    case Format::Logfmt:
      return render_logfmt(r, time, out);
    case Format::Json:
      return render_json(r, time, out);
  }
}

std::string_view TimeText::format(const timespec& now) {
  if (now.tv_sec != second_) {
    struct tm tm {};
    localtime_r(&now.tv_sec, &tm);
    std::size_t n = std::strftime(text_, sizeof text_ - 7, "%Y-%m-%dT%H:%M:%S.000", &tm);
    if (n == 0)
      n = std::strlen(std::strcpy(text_, "0000-00-00T00:00:00.000"));  // a year past 99999
    millis_at_ = n - 3;
    long offset = tm.tm_gmtoff / 60;  // minutes east of UTC
    if (offset == 0) {
      text_[n++] = 'Z';
    } else {
      text_[n++] = offset < 0 ? '-' : '+';
      offset = std::labs(offset);
      text_[n++] = static_cast<char>('0' + offset / 600);
      text_[n++] = static_cast<char>('0' + offset / 60 % 10);
      text_[n++] = ':';
      text_[n++] = static_cast<char>('0' + offset % 60 / 10);
      text_[n++] = static_cast<char>('0' + offset % 10);
    }
    size_ = n;
    second_ = now.tv_sec;
  }
  long ms = now.tv_nsec / 1000000;
  text_[millis_at_] = static_cast<char>('0' + ms / 100);
  text_[millis_at_ + 1] = static_cast<char>('0' + ms / 10 % 10);
  text_[millis_at_ + 2] = static_cast<char>('0' + ms % 10);
  return {text_, size_};
}

}  // namespace superd::log
