// SPDX-License-Identifier: MIT
// Echo (RFC 862): sends back whatever it receives.
#include "standard.hpp"

namespace superd::services {

namespace {
class EchoStream : public StreamHandler {
 public:
  void on_data(Stream& s, std::string_view bytes) override { s.write(bytes); }
};
}  // namespace

Builtin echo() {
  return Builtin{"echo", "Sends back every byte received (RFC 862).",
                 [] { return std::make_unique<EchoStream>(); },
                 [](std::string_view request, std::string& reply) {
                   reply.assign(request);
                   return true;
                 },
                 {}};
}

}  // namespace superd::services
