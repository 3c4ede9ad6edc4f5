// SPDX-License-Identifier: MIT
#include "net/access.hpp"

#include <algorithm>

namespace superd::net {

namespace {

// Hostile patterns are refused before compiling. glibc's compiler copies a
// repeated sub-expression once per repetition ("a+" becomes "aa*"), so nested
// repetitions grow exponentially; it also recurses on nesting. The estimate
// below counts the nodes the compiler would build; back-references, which make
// matching exponential, are refused outright.
constexpr std::size_t kMaxPattern = 1024;
constexpr double kMaxNodes = 20000;

struct Estimator {
  std::string_view text;
  std::size_t i = 0;
  std::string error;

  // Nodes of the alternatives from position i up to ')' or the end.
  double alternatives(int depth) {
    if (depth > 32) return error = "more than 32 nested groups", 0;
    double total = 0, last = 0;
    bool after_quantifier = false;
    while (i < text.size() && text[i] != ')' && error.empty()) {
      char c = text[i];
      if (c == '*' || c == '+' || c == '?' || c == '{') {
        if (after_quantifier) return error = "a repetition cannot follow another repetition", 0;
        last *= repetition();
        after_quantifier = true;
        continue;
      }
      total += last;
      after_quantifier = false;
      if (c == '|') {
        last = 0, ++i;
      } else if (c == '(') {
        ++i;
        last = alternatives(depth + 1) + 1;
        if (i < text.size()) ++i;  // ')'; a missing one is regcomp's to report
      } else if (c == '[') {
        skip_bracket(), last = 1;
      } else if (c == '\\') {
        if (i + 1 < text.size() && text[i + 1] >= '1' && text[i + 1] <= '9')
          return error = "back-references are not supported", 0;
        i += 2, last = 1;
      } else {
        ++i, last = 1;
      }
      if (total + last > kMaxNodes) return error = "it would expand too much", 0;
    }
    return total + last;
  }
  // The factor a repetition multiplies its operand by.
  double repetition() {
    char c = text[i++];
    if (c != '{') return c == '+' ? 2 : 1;
    double most = 0, n = 0;
    while (i < text.size() && text[i] != '}') {
      char d = text[i++];
      if (d >= '0' && d <= '9') n = n * 10 + (d - '0');
      else most = std::max(most, n), n = 0;
    }
    ++i;
    return std::max({most, n, 1.0}) + 1;
  }
  void skip_bracket() {
    ++i;
    if (i < text.size() && text[i] == '^') ++i;
    if (i < text.size() && text[i] == ']') ++i;  // a leading ']' is literal
    while (i < text.size() && text[i] != ']') ++i;
    ++i;
  }
};

bool too_complex(std::string_view text, std::string& error) {
  Estimator est{text, 0, {}};
  if (text.size() > kMaxPattern) est.error = "longer than " + std::to_string(kMaxPattern) + " characters";
  while (est.error.empty() && est.i < text.size()) {
    est.alternatives(0);
    ++est.i;  // an unbalanced ')': regcomp reports it
  }
  if (est.error.empty()) return false;
  error = "regular expression is too complex: " + est.error;
  return true;
}

bool matches(const Pattern& p, const std::string& addr, const std::string& name) {
  return p.matches(addr) || (!name.empty() && p.matches(name));
}

}  // namespace

bool Pattern::compile(std::string_view text, Pattern& out, std::string& error) {
  if (too_complex(text, error)) return false;
  std::string source(text);
  auto compiled = std::make_unique<regex_t>();
  if (int rc = ::regcomp(compiled.get(), source.c_str(), REG_EXTENDED | REG_NOSUB); rc != 0) {
    char why[256];
    ::regerror(rc, compiled.get(), why, sizeof why);
    error = "not a valid regular expression: " + std::string(why);
    return false;
  }
  std::shared_ptr<const regex_t> re(compiled.release(), [](const regex_t* r) {
    ::regfree(const_cast<regex_t*>(r));
    delete r;
  });
  out.text = std::move(source);
  out.re = std::move(re);
  return true;
}

bool Pattern::matches(const std::string& s) const {
  return ::regexec(re.get(), s.c_str(), 0, nullptr, 0) == 0;
}

std::string AccessPolicy::decide(const IpAddress& addr, const std::string& name) const {
  std::string text = addr.str();
  for (const Cidr& c : cidr_deny)
    if (c.contains(addr)) return "cidr_deny " + c.text;
  for (const Pattern& p : deny)
    if (matches(p, text, name)) return "deny " + p.text;
  if (cidr_allow.empty() && allow.empty()) return {};
  for (const Cidr& c : cidr_allow)
    if (c.contains(addr)) return {};
  for (const Pattern& p : allow)
    if (matches(p, text, name)) return {};
  return "not matched by any allow or cidr_allow rule";
}

std::string PeerUsers::decide(uid_t uid, gid_t gid, const std::vector<gid_t>& groups) const {
  auto has = [](const auto& v, auto x) { return std::find(v.begin(), v.end(), x) != v.end(); };
  if (has(uids, uid) || has(gids, gid)) return {};
  for (gid_t g : groups)
    if (has(gids, g)) return {};
  std::string rules = uids.empty() ? "allow_groups" : gids.empty() ? "allow_users" : "allow_users or allow_groups";
  return "uid " + std::to_string(uid) + " gid " + std::to_string(gid) + " not in " + rules;
}

}  // namespace superd::net
