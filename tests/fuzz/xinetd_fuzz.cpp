// SPDX-License-Identifier: MIT
// Fuzzes --import-xinetd on a configuration held in memory: the xinetd syntax,
// defaults and operators, address forms, and the mapping. Whatever imports
// must load as a superd configuration without a single error: a crash, or a
// conf that superd itself refuses, is a finding.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "conf/resolve.hpp"
#include "conf/xinetd_import.hpp"
#include "fuzz_target.hpp"

namespace {

const char* const kServices =
    "echo 7/tcp\necho 7/udp\ndiscard 9/tcp sink\ndiscard 9/udp sink\nchargen 19/tcp\n"
    "chargen 19/udp\ndaytime 13/tcp\ndaytime 13/udp\ntime 37/tcp\ntime 37/udp\n"
    "ftp 21/tcp\ntelnet 23/tcp\ntftp 69/udp\n";

// Every user and group exists, so that only the conf itself can fail.
class AnyUser : public superd::conf::UserDb {
 public:
  bool find_user(const std::string&, User& out) const override {
    out = User{1000, 1000, {1000}};
    return true;
  }
  bool find_group(const std::string&, gid_t& out) const override {
    out = 1000;
    return true;
  }
  uid_t effective_uid() const override { return 0; }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  superd::conf::XinetdFiles files;
  // The input is the main file; "inc" and the directory "d" hold fixed ones.
  files.read = [&text](const std::string& path, std::string& out) -> std::string {
    if (path == "/x/xinetd.conf") out = text;
    else if (path == "/x/inc") out = "service echo\n{\n type = INTERNAL\n socket_type = dgram\n wait = yes\n}\n";
    else if (path == "/x/d/a") out = "defaults\n{\n only_from += 10.0.0.0\n}\n";
    else if (path == "/x/busy") out = "busy\n";
    else return "no such file";
    return {};
  };
  files.list = [](const std::string& dir, std::vector<std::string>& names) -> std::string {
    if (dir != "/x/d") return "no such directory";
    names = {"a", "a~", "b.c"};
    return {};
  };
  std::string out;
  std::vector<superd::Diagnostic> diags;
  if (!superd::conf::import_xinetd("/x/xinetd.conf", files, kServices, out, diags)) {
    for (const auto& d : diags) (void)d.str();
    if (!out.empty()) std::abort();  // nothing half-printed
    return 0;
  }
  superd::conf::LoadInput input;
  input.conf_text = out;
  input.running = superd::conf::Privileges{};
  input.running->root = true;
  superd::conf::BuiltinCatalog catalog{{"echo", {true, true}}, {"discard", {true, true}},
                                       {"chargen", {true, true}}, {"daytime", {true, true}},
                                       {"time", {true, true}}};
  superd::conf::Config config;
  std::vector<superd::Diagnostic> load_diags;
  AnyUser users;
  if (!superd::conf::load(input, catalog, users, config, load_diags)) {
    for (const auto& d : load_diags) std::fprintf(stderr, "%s\n", d.str().c_str());
    std::fprintf(stderr, "--- imported conf superd refuses:\n%s\n", out.c_str());
    std::abort();
  }
  return 0;
}
