// SPDX-License-Identifier: MIT
// Fuzzes the inetd.conf reader: any bytes give entries or located errors,
// never a crash; and whatever entries come out, their --import-inetd text
// reads back as a conf file without a syntax error, with the same settings.
#include <cstdlib>
#include <string>

#include "conf/inetd_conf.hpp"
#include "conf/ini_source.hpp"
#include "fuzz_target.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace superd::conf;
  std::string text(reinterpret_cast<const char*>(data), size);
  std::vector<InetdEntry> entries;
  std::vector<superd::Diagnostic> diags;
  parse_inetd_conf(text, "inetd.conf", entries, diags);
  for (const auto& d : diags) (void)d.str();
  for (const std::string& name : inetd_service_names(entries))
    if (!valid_service_name(name)) std::abort();
  Settings settings = inetd_settings(entries), back;
  std::vector<superd::Diagnostic> read_back;
  parse_string(render_inetd_import(entries), "import.conf", back, read_back);
  if (!read_back.empty() || back.size() != settings.size()) std::abort();
  for (std::size_t i = 0; i < back.size(); ++i)
    if (back[i].section != settings[i].section || back[i].key != settings[i].key ||
        back[i].text != settings[i].text)
      std::abort();
  return 0;
}
