// SPDX-License-Identifier: MIT
// Fuzzes CIDR parsing and matching: the first line is a block, the second an address.
#include <string>

#include "fuzz_target.hpp"
#include "net/cidr.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto nl = text.find('\n');
  superd::net::Cidr block;
  superd::net::IpAddress addr;
  std::string error;
  bool ok = superd::net::parse_cidr(text.substr(0, nl), block, error);
  if (ok && nl != std::string::npos && superd::net::IpAddress::parse(text.substr(nl + 1), addr))
    (void)block.contains(addr);
  return 0;
}
