// SPDX-License-Identifier: MIT
// Fuzzes the parser of DNS responses (bytes a resolver, or anyone who can
// send to superd's lookup socket, chooses), and the query encoder with
// the names it returns.
#include <string>

#include "fuzz_target.hpp"
#include "net/dns.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  superd::net::DnsResponse r;
  std::string error;
  if (superd::net::parse_dns_response(bytes, r, error))
    for (const std::string& name : r.names) {
      if (!superd::net::valid_host_name(name)) __builtin_trap();
      (void)superd::net::dns_query(r.id, name, superd::net::kDnsA);
    }
  for (const auto& a : r.addrs) (void)superd::net::reverse_name(a);
  return 0;
}
