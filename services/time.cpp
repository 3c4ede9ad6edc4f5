// SPDX-License-Identifier: MIT
// Time (RFC 868): seconds since 1900-01-01 00:00 UTC as a 32-bit big-endian
// number (it wraps in 2036, as the RFC's format does).
#include <cstdint>
#include <ctime>

#include "standard.hpp"

namespace superd::services {

namespace {
constexpr std::uint64_t kEpochOffset = 2208988800ULL;  // 1900-01-01 to 1970-01-01

std::string now_bytes() {
  auto v = static_cast<std::uint32_t>(static_cast<std::uint64_t>(std::time(nullptr)) + kEpochOffset);
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
          static_cast<char>(v)};
}

class TimeStream : public StreamHandler {
 public:
  void on_open(Stream& s) override {
    s.write(now_bytes());
    s.close();
  }
};
}  // namespace

Builtin time() {
  return Builtin{"time", "Sends the time as 32-bit seconds since 1900 (RFC 868).",
                 [] { return std::make_unique<TimeStream>(); },
                 [](std::string_view, std::string& reply) {
                   reply = now_bytes();
                   return true;
                 },
                 {}};
}

}  // namespace superd::services
