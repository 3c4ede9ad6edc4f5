// SPDX-License-Identifier: MIT
// Fuzzes the endpoint syntax with every default protocol.
#include <string>

#include "fuzz_target.hpp"
#include "net/endpoint.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  for (const char* proto : {"tcp", "udp", "unix"}) {
    superd::net::Endpoint e;
    std::string error;
    if (superd::net::parse_endpoint(text, "*", proto, e, error)) (void)e.str();
  }
  return 0;
}
