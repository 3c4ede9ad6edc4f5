// SPDX-License-Identifier: MIT
// The message hub's keys (hub_protocol, hub_handler, max_message): each only
// where it means something, and a handler program that names the account it
// runs as when superd is root, as `exec` must.
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "conf/checker.hpp"

namespace superd::conf {

namespace {
constexpr int kMaxMessageLimit = 16 << 20;
}  // namespace

void check_hub(Checker& ck, const Privileges& running) {
  ServiceConfig& s = ck.s;
  bool hub = s.builtin == "hub";
  bool has_handler = !s.hub_handler.words.empty();
  // hub_protocol and max_message set elsewhere are harmless (--print-config
  // writes every key); a handler program would be started for nothing.
  if (!hub) {
    if (has_handler) ck.error("hub_handler", "'hub_handler' applies only to builtin = hub");
    return;
  }
  if (s.max_message.value < 1 || s.max_message.value > kMaxMessageLimit)
    ck.error("max_message", "max_message " + std::to_string(s.max_message.value) + " is out of range",
             "1 byte to 16M");
  if (!has_handler) return;
  if (s.hub_protocol != HubProtocol::Line)
    ck.error("hub_handler", "'hub_handler' works with hub_protocol = line only",
             "a JSON hub routes messages by the ids they name; remove hub_handler");
  if (s.user.empty() && running.root)
    ck.error("hub_handler", "would run '" + s.hub_handler.program() + "' as root without saying so",
             "set 'user' to the account it should run as; 'user = root' allows root");
  // A warning only, as for exec: the program may be installed later.
  std::string path = s.chroot + s.hub_handler.program();
  if (::access(path.c_str(), X_OK) != 0) {
    int err = errno;
    bool ok = ck.ok;
    ck.error("hub_handler", "program '" + path + "' cannot be run now: " + std::strerror(err));
    ck.diags.back().severity = Severity::Warning;
    ck.ok = ok;
  }
}

}  // namespace superd::conf
