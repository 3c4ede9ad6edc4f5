// SPDX-License-Identifier: MIT
// net/access: AccessPolicy::decide — deny wins, allow required when present,
// CIDR and regex rules, the reason strings that end up in the log.
#include "net/access.hpp"

#include <boost/test/unit_test.hpp>
#include <initializer_list>

using superd::net::AccessPolicy;
using superd::net::Cidr;
using superd::net::IpAddress;
using superd::net::Pattern;

namespace {

IpAddress ip(const char* text) {
  IpAddress a;
  BOOST_TEST_REQUIRE(IpAddress::parse(text, a), text);
  return a;
}

std::vector<Cidr> blocks(std::initializer_list<const char*> texts) {
  std::vector<Cidr> out;
  for (const char* t : texts) {
    Cidr c;
    std::string error;
    BOOST_TEST_REQUIRE(superd::net::parse_cidr(t, c, error), error);
    out.push_back(c);
  }
  return out;
}

std::vector<Pattern> patterns(std::initializer_list<const char*> texts) {
  std::vector<Pattern> out;
  for (const char* t : texts) {
    Pattern p;
    std::string error;
    BOOST_TEST_REQUIRE(Pattern::compile(t, p, error), error);
    out.push_back(p);
  }
  return out;
}

const std::string kNoAllow = "not matched by any allow or cidr_allow rule";

}  // namespace

// `access` is also a POSIX function; keep the suite's namespace out of the global one.
namespace superd_unit {

BOOST_AUTO_TEST_SUITE(access)

BOOST_AUTO_TEST_CASE(no_rules_admit_everyone) {
  AccessPolicy p;
  BOOST_TEST(p.empty());
  BOOST_TEST(p.decide(ip("203.0.113.1"), "") == "");
  BOOST_TEST(p.decide(ip("::1"), "host.example") == "");
}

BOOST_AUTO_TEST_CASE(cidr_deny_refuses_only_its_block) {
  AccessPolicy p;
  p.cidr_deny = blocks({"10.0.0.0/8", "2001:db8::/32"});
  BOOST_TEST(!p.empty());
  BOOST_TEST(p.decide(ip("10.1.2.3"), "") == "cidr_deny 10.0.0.0/8");
  BOOST_TEST(p.decide(ip("::ffff:10.1.2.3"), "") == "cidr_deny 10.0.0.0/8");
  BOOST_TEST(p.decide(ip("2001:db8::5"), "") == "cidr_deny 2001:db8::/32");
  BOOST_TEST(p.decide(ip("11.1.2.3"), "") == "");
  BOOST_TEST(p.decide(ip("::1"), "") == "");
}

BOOST_AUTO_TEST_CASE(allow_rules_make_allow_required) {
  AccessPolicy p;
  p.cidr_allow = blocks({"127.0.0.0/8", "::1"});
  BOOST_TEST(p.decide(ip("127.0.0.1"), "") == "");
  BOOST_TEST(p.decide(ip("::ffff:127.0.0.1"), "") == "");
  BOOST_TEST(p.decide(ip("::1"), "") == "");
  BOOST_TEST(p.decide(ip("192.0.2.1"), "") == kNoAllow);
  BOOST_TEST(p.decide(ip("::2"), "") == kNoAllow);
}

BOOST_AUTO_TEST_CASE(deny_wins_over_allow) {
  AccessPolicy p;
  p.cidr_allow = blocks({"10.0.0.0/8"});
  p.cidr_deny = blocks({"10.1.0.0/16"});
  p.allow = patterns({"^10\\.1\\.2\\."});
  BOOST_TEST(p.decide(ip("10.1.2.3"), "") == "cidr_deny 10.1.0.0/16");
  BOOST_TEST(p.decide(ip("10.2.0.1"), "") == "");
  BOOST_TEST(p.decide(ip("11.0.0.1"), "") == kNoAllow);

  AccessPolicy q;
  q.cidr_allow = blocks({"0.0.0.0/0"});
  q.deny = patterns({"^192\\.168\\."});
  BOOST_TEST(q.decide(ip("192.168.0.1"), "") == "deny ^192\\.168\\.");
  BOOST_TEST(q.decide(ip("192.169.0.1"), "") == "");
}

BOOST_AUTO_TEST_CASE(cidr_deny_is_reported_before_regex_deny) {
  AccessPolicy p;
  p.deny = patterns({"^10\\."});
  p.cidr_deny = blocks({"10.0.0.0/8"});
  BOOST_TEST(p.decide(ip("10.0.0.1"), "") == "cidr_deny 10.0.0.0/8");
}

BOOST_AUTO_TEST_CASE(regex_allow_matches_address_text) {
  AccessPolicy p;
  p.allow = patterns({"^127\\.", "^::1$"});
  BOOST_TEST(p.decide(ip("127.0.0.1"), "") == "");
  BOOST_TEST(p.decide(ip("::ffff:127.0.0.9"), "") == "");
  BOOST_TEST(p.decide(ip("::1"), "") == "");
  BOOST_TEST(p.decide(ip("10.127.0.1"), "") == kNoAllow);
  BOOST_TEST(p.decide(ip("::11"), "") == kNoAllow);
}

BOOST_AUTO_TEST_CASE(nested_quantifiers_do_not_hang) {
  // Found by fuzzing: under std::regex "^1**...*0\\." backtracked for minutes on "10.1.2.3";
  // repeated stars are refused now, and nested ones match in polynomial time.
  Pattern p;
  std::string error;
  BOOST_TEST(!Pattern::compile("^1" + std::string(100, '*') + "0\\.", p, error));
  BOOST_TEST_REQUIRE(Pattern::compile("^(1*)*(1*)*(1*)*x", p, error), error);
  BOOST_TEST(!p.matches("1111111111111111111111111111111111111111111111"));
}

BOOST_AUTO_TEST_CASE(back_references_are_refused) {
  Pattern p;
  std::string error;
  BOOST_TEST(!Pattern::compile("(a)\\1", p, error));
  BOOST_TEST(error == "regular expression is too complex: back-references are not supported");
}

BOOST_AUTO_TEST_CASE(repetitions_that_would_explode_are_refused) {
  // Found by fuzzing: glibc's compiler doubles "a+" per '+', so 60 of them exhausted memory.
  Pattern p;
  std::string error;
  BOOST_TEST(!Pattern::compile("127" + std::string(60, '+'), p, error));
  BOOST_TEST(error == "regular expression is too complex: a repetition cannot follow another repetition");
  BOOST_TEST(!Pattern::compile("((((a{200}){200}){200}){200})", p, error));
  BOOST_TEST(error == "regular expression is too complex: it would expand too much");
  BOOST_TEST(Pattern::compile("^10\\.[0-9]{1,3}\\.(1|2)+\\.", p, error), error);
  BOOST_TEST(p.matches("10.200.2.9"));
  BOOST_TEST(Pattern::compile("[]a]{2}", p, error), error);
  BOOST_TEST(p.matches("]a"));
}

BOOST_AUTO_TEST_CASE(regex_rules_also_match_the_reverse_name) {
  AccessPolicy p;
  p.allow = patterns({"\\.example\\.org$"});
  p.deny = patterns({"^bad\\."});
  BOOST_TEST(p.decide(ip("192.0.2.1"), "host.example.org") == "");
  BOOST_TEST(p.decide(ip("192.0.2.1"), "") == kNoAllow);
  BOOST_TEST(p.decide(ip("192.0.2.1"), "host.example.com") == kNoAllow);
  BOOST_TEST(p.decide(ip("192.0.2.1"), "bad.example.org") == "deny ^bad\\.");
}

BOOST_AUTO_TEST_CASE(either_kind_of_allow_suffices) {
  AccessPolicy p;
  p.cidr_allow = blocks({"10.0.0.0/8"});
  p.allow = patterns({"^192\\.0\\.2\\."});
  BOOST_TEST(p.decide(ip("10.9.9.9"), "") == "");
  BOOST_TEST(p.decide(ip("192.0.2.44"), "") == "");
  BOOST_TEST(p.decide(ip("198.51.100.1"), "") == kNoAllow);
}

BOOST_AUTO_TEST_CASE(first_matching_deny_names_the_reason) {
  AccessPolicy p;
  p.cidr_deny = blocks({"10.0.0.0/8", "10.1.0.0/16"});
  BOOST_TEST(p.decide(ip("10.1.0.1"), "") == "cidr_deny 10.0.0.0/8");
  p.cidr_deny = blocks({"10.1.2.3/16"});
  BOOST_TEST(p.decide(ip("10.1.99.1"), "") == "cidr_deny 10.1.2.3/16");
}

BOOST_AUTO_TEST_CASE(peer_users_match_uid_group_or_supplementary_group) {
  superd::net::PeerUsers p;
  BOOST_TEST(p.empty());
  p.uids = {1000};
  BOOST_TEST(p.decide(1000, 1000, {}) == "");
  BOOST_TEST(p.decide(1001, 100, {27}) == "uid 1001 gid 100 not in allow_users");
  p.gids = {27};
  BOOST_TEST(p.decide(1001, 100, {5, 27}) == "");
  BOOST_TEST(p.decide(1001, 27, {}) == "");
  BOOST_TEST(p.decide(1001, 100, {5}) == "uid 1001 gid 100 not in allow_users or allow_groups");
  p.uids.clear();
  BOOST_TEST(p.decide(1000, 100, {}) == "uid 1000 gid 100 not in allow_groups");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace superd_unit
