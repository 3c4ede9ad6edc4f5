// SPDX-License-Identifier: MIT
// Character generator (RFC 864): lines of 72 printable ASCII characters, each
// starting one character further along the 95-character cycle, CRLF-ended.
// Over TCP it writes while the peer reads; over UDP each datagram gets a
// reply of 0 to 512 characters.
#include <cstdint>

#include "standard.hpp"

namespace superd::services {

namespace {
constexpr int kPrintable = 95;  // ' ' .. '~'
constexpr int kLineChars = 72;

// The 95 printable characters twice over: line N is 72 of them from offset N.
const std::string& cycle() {
  static const std::string chars = [] {
    std::string c;
    for (int i = 0; i < 2 * kPrintable; ++i) c += static_cast<char>(' ' + i % kPrintable);
    return c;
  }();
  return chars;
}

void append_line(std::string& out, int start) {
  out.append(cycle(), static_cast<std::size_t>(start % kPrintable), kLineChars);
  out += "\r\n";
}

class ChargenStream : public StreamHandler {
 public:
  void on_open(Stream& s) override { fill(s); }
  void on_drain(Stream& s) override { fill(s); }
  // Input is read and ignored, as the RFC says.

 private:
  void fill(Stream& s) {
    std::string chunk;
    chunk.reserve(s.low_water() + kLineChars + 2);
    while (s.pending() + chunk.size() < s.low_water()) append_line(chunk, next_++ % kPrintable);
    s.write(chunk);
  }
  int next_ = 0;
};
}  // namespace

Builtin chargen() {
  return Builtin{"chargen", "Sends lines of rotating printable characters (RFC 864).",
                 [] { return std::make_unique<ChargenStream>(); },
                 [state = std::uint32_t{1}](std::string_view, std::string& reply) mutable {
                   // A small LCG picks the length; nothing here needs to be unpredictable.
                   state = state * 1103515245u + 12345u;
                   std::size_t len = (state >> 16) % 513;
                   int line = static_cast<int>((state >> 8) % kPrintable);
                   reply.clear();
                   while (reply.size() < len) append_line(reply, line++);
                   reply.resize(len);
                   return true;
                 },
                 {}};
}

}  // namespace superd::services
