// SPDX-License-Identifier: MIT
// Fuzzes the whole load of a conf file held in memory: INI syntax, schema
// look-ups, value parsers, endpoint parsing and validation.
#include <string>

#include "conf/resolve.hpp"
#include "fuzz_target.hpp"

namespace {
class NoUsers : public superd::conf::UserDb {
 public:
  bool find_user(const std::string& name, User& out) const override {
    out = User{1000, 1000, {1000}};
    return name == "alice";
  }
  bool find_group(const std::string& name, gid_t& out) const override {
    out = 1000;
    return name == "staff";
  }
  uid_t effective_uid() const override { return 1000; }
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  superd::conf::LoadInput input;
  std::string text(reinterpret_cast<const char*>(data), size);
  // Includes would read the file system; the fuzzer sticks to the text itself.
  if (text.find("include") != std::string::npos) return 0;
  input.conf_text = std::move(text);
  superd::conf::BuiltinCatalog catalog{{"echo", {true, true}}, {"daytime", {true, true}}};
  superd::conf::Config config;
  std::vector<superd::Diagnostic> diags;
  NoUsers users;
  superd::conf::load(input, catalog, users, config, diags);
  for (const auto& d : diags) (void)d.str();
  return 0;
}
