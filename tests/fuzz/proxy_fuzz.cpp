// SPDX-License-Identifier: MIT
// Fuzzes the PROXY protocol header parser. The first byte picks the accepted
// versions; the rest is fed whole and then in every prefix, as bytes arrive,
// checking the parser's promises: a prefix of a complete header needs more
// or fails, a Done length lies within the bytes, and Done is the same for
// every longer input.
#include <cstdlib>
#include <string_view>

#include "fuzz_target.hpp"
#include "net/proxy_header.hpp"

using superd::net::ProxyHeader;
using superd::net::ProxyVersion;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  auto accept = static_cast<ProxyVersion>(1 + data[0] % 3);
  std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  ProxyHeader whole = superd::net::parse_proxy_header(bytes, accept);
  if (whole.status == ProxyHeader::Status::Done &&
      (whole.length == 0 || whole.length > bytes.size() || whole.length > superd::net::kProxyMax))
    std::abort();
  for (std::size_t n = 0; n <= bytes.size() && n <= superd::net::kProxyMax; ++n) {
    ProxyHeader h = superd::net::parse_proxy_header(bytes.substr(0, n), accept);
    if (h.status == ProxyHeader::Status::Error && h.error.empty()) std::abort();
    if (h.status == ProxyHeader::Status::Done) {
      // Done at the first complete prefix, with the length the whole input gives.
      if (whole.status != ProxyHeader::Status::Done || h.length != whole.length || h.length != n)
        std::abort();
      break;
    }
    // NeedMore must not be said of more bytes than a header can take.
    if (h.status == ProxyHeader::Status::NeedMore && n >= superd::net::kProxyMax) std::abort();
  }
  return 0;
}
