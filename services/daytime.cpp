// SPDX-License-Identifier: MIT
// Daytime (RFC 867): the local date and time as one human-readable line.
#include <ctime>

#include "standard.hpp"

namespace superd::services {

namespace {
std::string now_text() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[96];
  std::size_t n = std::strftime(buf, sizeof buf, "%A, %B %d, %Y %H:%M:%S-%Z\r\n", &tm);
  return std::string(buf, n);
}

class DaytimeStream : public StreamHandler {
 public:
  void on_open(Stream& s) override {
    s.write(now_text());
    s.close();
  }
};
}  // namespace

Builtin daytime() {
  return Builtin{"daytime", "Sends the date and time as a line of text (RFC 867).",
                 [] { return std::make_unique<DaytimeStream>(); },
                 [](std::string_view, std::string& reply) {
                   reply = now_text();
                   return true;
                 },
                 {}};
}

}  // namespace superd::services
