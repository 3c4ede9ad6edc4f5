// SPDX-License-Identifier: MIT
// One xinetd service, its attributes resolved against defaults, turned into
// the lines of one superd section. Internal to the importer (xinetd_import.cpp).
#pragma once

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "conf/xinetd_import.hpp"

namespace superd::conf {

namespace xinetd_detail {
/// `s` in upper case (xinetd's type and flag names are matched that way).
inline std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}
/// Values joined by blanks, cut at `cap` characters for comments.
inline std::string joined(const std::vector<std::string>& v, std::size_t cap = 200) {
  std::string out;
  for (const auto& w : v) out += (out.empty() ? "" : " ") + w;
  if (out.size() > cap) out = out.substr(0, cap) + "...";
  return out;
}
/// True for 1..9 decimal digits.
inline bool digits(const std::string& s) {
  return !s.empty() && s.size() < 10 &&
         std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
}
/// `s` with control characters (a newline in a file name) as '?', for comment lines.
inline std::string printable(std::string s) {
  for (char& c : s)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  return s;
}
}  // namespace xinetd_detail

/// The effective value of one attribute of one service.
struct XinetdValue {
  bool set = false;
  bool from_defaults = false;
  std::vector<std::string> values;
  std::string file;  ///< Where it was last assigned.
  int line = 0;
};
using XinetdValues = std::map<std::string, XinetdValue>;

/// Converts one service; convert() first, then render().
class ServiceImport {
 public:
  ServiceImport(const XinetdEntry& svc, const XinetdValues& values, std::string_view services,
                const XinetdFiles& files);

  /// The service's id: its `id` attribute, else its name.
  const std::string& id() const { return id_; }
  /// Defaults' `enabled`/`disabled` turn the service off.
  void disable_by_defaults(const char* attr, const char* why);
  /// Maps every attribute; false with located errors for what xinetd would refuse.
  bool convert(std::vector<Diagnostic>& diags);
  /// False when superd cannot run the service: render() writes it commented out.
  bool runnable() const { return skip_.empty(); }
  /// True when the service is disabled (disable, the DISABLE flag, defaults).
  bool disabled() const { return disabled_; }
  /// "host port/proto" of a runnable service, for clash checks.
  const std::string& endpoint_key() const { return endpoint_; }
  /// The section, named `section`, with its comments.
  std::string render(const std::string& section) const;

 private:
  const XinetdValue* get(const char* name);
  std::string first(const char* name);
  void error(const char* attr, std::string message, std::string hint = {});
  void key(const char* attr, const std::string& key, const std::string& text);
  void note(const std::string& attr, const std::string& why);
  void comment(const std::string& text) { lines_.push_back("# " + text); }

  bool convert_all();
  bool yes_no(const char* attr, bool& out);
  void check_types();
  void decide_skip();
  void endpoint();
  void handler();
  void exec_words();
  void identity();
  void limits();
  void access(const char* attr, const char* cidr_key, const char* regex_key);
  void environment();
  void resources();
  void banner_fail();
  void leftovers();

  const XinetdEntry& svc_;
  const XinetdValues& values_;
  std::string_view services_;
  const XinetdFiles& files_;
  std::vector<Diagnostic>* diags_ = nullptr;
  std::string id_;
  std::set<std::string> done_;      // attributes already mapped or commented
  std::set<std::string> flags_;     // upper-cased
  std::set<std::string> types_;     // upper-cased
  std::string proto_, socket_type_, skip_, endpoint_;
  std::vector<std::string> lines_;  // keys and comments of the section
  bool ok_ = true;
  bool builtin_ = false;
  bool disabled_ = false;
};

}  // namespace superd::conf
