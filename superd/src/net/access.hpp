// SPDX-License-Identifier: MIT
// AccessPolicy: who may connect to a service, from `cidr_allow`, `cidr_deny`,
// `allow` and `deny`. Deny rules win; when any allow rule exists, a peer must
// match one. Pure: decide() looks at nothing but its arguments.
#pragma once

#include <regex.h>
#include <sys/types.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "net/cidr.hpp"

namespace superd::net {

/// A compiled `allow`/`deny` pattern (POSIX extended regular expression)
/// with its source text. Matching takes time polynomial in the input, so a
/// pattern cannot make superd hang on a peer's name.
struct Pattern {
  std::string text;
  std::shared_ptr<const regex_t> re;
  /// Compiles `text`; on failure sets `error` and returns false.
  static bool compile(std::string_view text, Pattern& out, std::string& error);
  /// True when the pattern matches somewhere in `s`.
  bool matches(const std::string& s) const;
};

/// The rules of one service.
struct AccessPolicy {
  std::vector<Cidr> cidr_allow, cidr_deny;
  std::vector<Pattern> allow, deny;  ///< Matched against the address text (and host name).

  /// True when there is no rule at all (every peer is admitted).
  bool empty() const {
    return cidr_allow.empty() && cidr_deny.empty() && allow.empty() && deny.empty();
  }
  /// Empty when `addr` may connect, otherwise the reason ("cidr_deny 10.0.0.0/8").
  /// `name` is the peer's reverse name when looked up, else empty.
  std::string decide(const IpAddress& addr, const std::string& name) const;
};

/// `allow_users` / `allow_groups` of a service, resolved to ids: which local
/// users may connect to its Unix stream sockets, by the credentials the
/// kernel gives for the peer (SO_PEERCRED, SO_PEERGROUPS).
struct PeerUsers {
  std::vector<uid_t> uids;
  std::vector<gid_t> gids;
  /// True when there is no rule (every Unix peer is admitted).
  bool empty() const { return uids.empty() && gids.empty(); }
  /// Empty when a peer of `uid`, group `gid` and supplementary `groups` may
  /// connect, otherwise the reason.
  std::string decide(uid_t uid, gid_t gid, const std::vector<gid_t>& groups) const;
};

}  // namespace superd::net
