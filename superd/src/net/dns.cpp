// SPDX-License-Identifier: MIT
#include "net/dns.hpp"

#include <cctype>

namespace superd::net {

namespace {

constexpr std::size_t kHeader = 12;
constexpr int kMaxJumps = 32;  // compression pointers followed for one name
constexpr std::size_t kMaxName = 255;

std::uint16_t u16(std::string_view b, std::size_t at) {
  return static_cast<std::uint16_t>(static_cast<std::uint8_t>(b[at]) << 8 | static_cast<std::uint8_t>(b[at + 1]));
}

std::uint32_t u32(std::string_view b, std::size_t at) {
  return static_cast<std::uint32_t>(u16(b, at)) << 16 | u16(b, at + 2);
}

void put16(std::string& out, std::uint16_t v) {
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v & 0xff));
}

// Reads the name at `at` (following compression pointers, RFC 1035 4.1.4)
// into `name`, dotted and lower case; `at` moves past it in the record.
bool read_name(std::string_view msg, std::size_t& at, std::string& name, std::string& error) {
  name.clear();
  std::size_t pos = at, wire = 0;
  bool jumped = false;
  for (int jumps = 0;;) {
    if (pos >= msg.size()) return error = "name runs past the end", false;
    auto len = static_cast<std::uint8_t>(msg[pos]);
    if ((len & 0xc0) == 0xc0) {
      if (pos + 1 >= msg.size()) return error = "compression pointer runs past the end", false;
      if (++jumps > kMaxJumps) return error = "too many compression pointers", false;
      std::size_t target = static_cast<std::size_t>(u16(msg, pos) & 0x3fff);
      if (!jumped) at = pos + 2;
      jumped = true;
      pos = target;
      continue;
    }
    if (len & 0xc0) return error = "unknown label type", false;
    if (len == 0) {
      if (!jumped) at = pos + 1;
      return true;
    }
    if (pos + 1 + len > msg.size()) return error = "label runs past the end", false;
    wire += len + 1;
    if (wire + 1 > kMaxName) return error = "name longer than 255 bytes", false;
    if (!name.empty()) name.push_back('.');
    for (std::size_t i = 0; i < len; ++i)
      name.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(msg[pos + 1 + i]))));
    pos += 1 + len;
  }
}

bool skip(std::string_view msg, std::size_t& at, std::size_t n, std::string& error) {
  if (at + n > msg.size()) return error = "record runs past the end", false;
  at += n;
  return true;
}

}  // namespace

std::string reverse_name(const IpAddress& addr) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  if (!addr.v6) {
    for (int i = 3; i >= 0; --i) out += std::to_string(addr.bytes[i]) + ".";
    return out + "in-addr.arpa";
  }
  for (int i = 15; i >= 0; --i) {
    out += kHex[addr.bytes[i] & 0xf];
    out += '.';
    out += kHex[addr.bytes[i] >> 4];
    out += '.';
  }
  return out + "ip6.arpa";
}

std::string dns_query(std::uint16_t id, std::string_view name, std::uint16_t type) {
  std::string out;
  put16(out, id);
  put16(out, 0x0100);  // a standard query, recursion desired
  put16(out, 1);       // one question
  for (int i = 0; i < 3; ++i) put16(out, 0);
  std::size_t wire = 1;
  while (!name.empty()) {
    std::size_t dot = name.find('.');
    std::string_view label = name.substr(0, dot);
    if (label.empty() || label.size() > 63) return {};
    wire += label.size() + 1;
    out.push_back(static_cast<char>(label.size()));
    out.append(label);
    name = dot == std::string_view::npos ? std::string_view{} : name.substr(dot + 1);
  }
  if (wire > kMaxName) return {};
  out.push_back('\0');
  put16(out, type);
  put16(out, 1);  // class IN
  return out;
}

bool valid_host_name(std::string_view name) {
  if (name.empty() || name.size() > 253) return false;
  std::size_t label = 0;
  for (char c : name) {
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
      continue;
    }
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
    if (++label > 63) return false;
  }
  return label > 0;
}

bool parse_dns_response(std::string_view msg, DnsResponse& out, std::string& error) {
  out = DnsResponse{};
  if (msg.size() < kHeader) return error = "shorter than a DNS header", false;
  out.id = u16(msg, 0);
  std::uint16_t flags = u16(msg, 2);
  if (!(flags & 0x8000)) return error = "not a response", false;
  if (flags & 0x0200) return error = "truncated response", false;
  out.rcode = flags & 0xf;
  std::size_t questions = u16(msg, 4), answers = u16(msg, 6);
  std::size_t at = kHeader;
  std::string name;
  for (std::size_t i = 0; i < questions; ++i)
    if (!read_name(msg, at, name, error) || !skip(msg, at, 4, error)) return false;
  bool first = true;
  for (std::size_t i = 0; i < answers; ++i) {
    if (!read_name(msg, at, name, error)) return false;
    if (at + 10 > msg.size()) return error = "record runs past the end", false;
    std::uint16_t type = u16(msg, at), klass = u16(msg, at + 2);
    std::uint32_t ttl = u32(msg, at + 4);
    std::size_t length = u16(msg, at + 8);
    at += 10;
    std::size_t data = at;
    if (!skip(msg, at, length, error)) return false;
    if (klass != 1) continue;
    bool taken = false;
    if (type == kDnsPtr) {
      std::size_t p = data;
      std::string target;
      if (!read_name(msg, p, target, error)) return false;
      if (p != data + length) return error = "PTR record length does not match its name", false;
      if (valid_host_name(target)) out.names.push_back(target), taken = true;
    } else if ((type == kDnsA && length == 4) || (type == kDnsAaaa && length == 16)) {
      IpAddress a;
      a.v6 = type == kDnsAaaa;
      for (std::size_t k = 0; k < length; ++k) a.bytes[k] = static_cast<std::uint8_t>(msg[data + k]);
      out.addrs.push_back(a);
      taken = true;
    } else if (type == kDnsA || type == kDnsAaaa) {
      return error = "address record of the wrong length", false;
    }
    if (taken && (first || ttl < out.ttl)) out.ttl = ttl, first = false;
  }
  return true;
}

}  // namespace superd::net
