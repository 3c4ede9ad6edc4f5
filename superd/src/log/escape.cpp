// SPDX-License-Identifier: MIT
#include "log/escape.hpp"

#include <cstddef>

namespace superd::log {

namespace {

constexpr char kHex[] = "0123456789abcdef";

// Printable ASCII that every quoting leaves alone.
bool plain_ascii(unsigned char c, bool quoted) {
  return c >= 0x20 && c < 0x7f && c != '\\' && !(quoted && c == '"');
}

bool continuation(unsigned char c) { return (c & 0xc0) == 0x80; }

// Length of the valid UTF-8 sequence of two or more bytes at `p` (RFC 3629,
// Table 3-7 of the Unicode standard), or 0 when the byte at `p` does not
// start one: overlong forms, surrogates and code points above U+10FFFF are
// refused as well as truncated sequences.
std::size_t sequence_length(const unsigned char* p, std::size_t left) {
  unsigned char c = p[0];
  std::size_t n;
  unsigned char lo = 0x80, hi = 0xbf;  // bounds of the second byte
  if (c >= 0xc2 && c <= 0xdf) {
    n = 2;
  } else if (c >= 0xe0 && c <= 0xef) {
    n = 3;
    if (c == 0xe0) lo = 0xa0;  // overlong
    if (c == 0xed) hi = 0x9f;  // surrogates
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4;
    if (c == 0xf0) lo = 0x90;  // overlong
    if (c == 0xf4) hi = 0x8f;  // above U+10FFFF
  } else {
    return 0;  // a continuation byte, 0xc0 or 0xc1 (always overlong), or 0xf5..0xff
  }
  if (left < n || p[1] < lo || p[1] > hi) return 0;
  for (std::size_t i = 2; i < n; ++i)
    if (!continuation(p[i])) return 0;
  return n;
}

// "\xHH" for a byte, "\u00HH" for a C1 character, after `backslash`.
void hex_escape(std::string& out, std::string_view backslash, unsigned char byte, bool character) {
  out += backslash;
  out += character ? "u00" : "x";
  out += kHex[byte >> 4];
  out += kHex[byte & 0xf];
}

}  // namespace

void escape(std::string_view in, std::string& out, Quoting quoting) {
  const bool quoted = quoting != Quoting::None;
  // In JSON our backslash is itself escaped, so the string decodes to our text.
  const std::string_view backslash = quoting == Quoting::Json ? "\\\\" : "\\";
  const auto* p = reinterpret_cast<const unsigned char*>(in.data());
  std::size_t size = in.size();
  std::size_t i = 0;
  while (i < size) {
    // Runs of printable ASCII, the usual case, are copied at once.
    std::size_t run = i;
    while (run < size && plain_ascii(p[run], quoted)) ++run;
    if (run > i) out.append(in.data() + i, run - i);
    i = run;
    if (i >= size) break;
    unsigned char c = p[i];
    if (c == '\\') {
      out += backslash;
      out += backslash;
      ++i;
    } else if (c == '"') {  // only when quoted
      out += "\\\"";
      ++i;
    } else if (c < 0x80) {  // C0 or DEL
      hex_escape(out, backslash, c, false);
      ++i;
    } else if (std::size_t n = sequence_length(p + i, size - i); n == 0) {
      hex_escape(out, backslash, c, false);
      ++i;
    } else if (c == 0xc2 && p[i + 1] < 0xa0) {  // U+0080..U+009F
      hex_escape(out, backslash, p[i + 1], true);
      i += 2;
    } else {
      out.append(in.data() + i, n);
      i += n;
    }
  }
}

}  // namespace superd::log
