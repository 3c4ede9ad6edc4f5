// SPDX-License-Identifier: MIT
// The importer's file seam for unit tests: an xinetd configuration held in a
// map of paths to texts, imported from /x/xinetd.conf.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "conf/xinetd_import.hpp"

namespace superd::test {

inline const char* const kServices =
    "# /etc/services\n"
    "echo		7/tcp\necho		7/udp\n"
    "discard		9/tcp		sink null\ndiscard		9/udp		sink null\n"
    "chargen		19/tcp		ttytst source\nchargen		19/udp		ttytst source\n"
    "daytime		13/tcp\ntime		37/tcp		timserver\n"
    "ftp		21/tcp\ntelnet		23/tcp\ntftp		69/udp\n";

struct Import {
  bool ok = false;
  std::string out;
  std::vector<std::string> errors;
};

// Imports /x/xinetd.conf from `files` (path -> text); "/x/d/" entries are
// also listed as directory /x/d.
inline Import import(std::map<std::string, std::string> files, const std::string& services = kServices) {
  conf::XinetdFiles seam;
  seam.read = [&files](const std::string& path, std::string& text) -> std::string {
    auto it = files.find(path);
    if (it == files.end()) return "no such file";
    text = it->second;
    return {};
  };
  seam.list = [&files](const std::string& dir, std::vector<std::string>& names) -> std::string {
    bool found = false;
    for (const auto& [path, text] : files)
      if (path.rfind(dir + "/", 0) == 0 && path.find('/', dir.size() + 1) == std::string::npos)
        names.push_back(path.substr(dir.size() + 1)), found = true;
    return found ? "" : "no such directory";
  };
  Import r;
  std::vector<Diagnostic> diags;
  r.ok = conf::import_xinetd("/x/xinetd.conf", seam, services, r.out, diags);
  for (const Diagnostic& d : diags) r.errors.push_back(d.str());
  return r;
}

inline Import import(const std::string& conf) { return import({{"/x/xinetd.conf", conf}}); }

}  // namespace superd::test
