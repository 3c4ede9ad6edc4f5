// SPDX-License-Identifier: MIT
// conf/privileges: what superd keeps when it drops root (a table of
// configurations), and how a load checks services against what it kept:
// the messages, a changed global identity, no reload inside a chroot.
#include "conf/privileges.hpp"

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <ostream>

#include "conf/config.hpp"
#include "conf/resolve.hpp"

namespace bdata = boost::unit_test::data;
using namespace superd::conf;
using superd::Diagnostic;
using superd::Severity;
using Lines = std::vector<std::string>;

namespace {

// superd after the drop: nobody/nogroup.
Privileges nobody(CapSet caps = {Cap::NetBindService}) {
  Privileges p;
  p.dropped = true;
  p.user = "nobody";
  p.uid = 65534;
  p.gid = 65534;
  p.groups = {65534};
  p.caps = caps;
  return p;
}

// One service of a table row: who its program runs as and what it sets.
struct Svc {
  uid_t uid = 65534;
  gid_t gid = 65534;
  std::vector<gid_t> groups = {65534};
  bool has_user = true;
  const char* chroot = "";
  const char* socket_owner = "";
  const char* socket_group = "";
  std::uint32_t mark = 0;
  bool disabled = false;
  bool builtin = false;
};

struct KeptCase {
  const char* name;
  std::vector<Svc> services;
  CapSet expected;
};
std::ostream& operator<<(std::ostream& os, const KeptCase& c) { return os << c.name; }

ServiceConfig make(const Svc& v) {
  ServiceConfig s;
  s.name = "s";
  s.user = v.has_user ? "someone" : "";
  s.identity = Identity{v.has_user, s.user, v.uid, v.gid, v.groups};
  s.chroot = v.chroot;
  s.socket_owner = v.socket_owner;
  s.socket_group = v.socket_group;
  s.mark.value = v.mark;
  s.disabled = v.disabled;
  if (v.builtin)
    s.builtin = "echo";
  else
    s.exec.words = {"/bin/cat"};
  return s;
}

const CapSet kSwitch{Cap::NetBindService, Cap::Setuid, Cap::Setgid, Cap::Kill};

class FakeUsers : public UserDb {
 public:
  bool find_user(const std::string& name, User& out) const override {
    if (name == "nobody")
      out = User{65534, 65534, {65534}};
    else if (name == "root")
      out = User{0, 0, {0}};
    else if (name == "daemon")
      out = User{1, 1, {1}};
    else
      return false;
    return true;
  }
  bool find_group(const std::string& name, gid_t& out) const override {
    if (name == "nogroup")
      out = 65534;
    else if (name == "daemon")
      out = 1;
    else
      return false;
    return true;
  }
  uid_t effective_uid() const override { return 0; }
};

struct Loaded {
  bool ok = false;
  Config c;
  std::vector<Diagnostic> diags;
  Lines errors() const {
    Lines out;
    for (const Diagnostic& d : diags)
      if (d.severity == Severity::Error) out.push_back(d.str());
    return out;
  }
};

Loaded load_as(const Privileges& running, const std::string& conf) {
  Loaded l;
  LoadInput in;
  in.conf_text = conf;
  in.running = running;
  l.ok = load(in, {{"echo", {true, true}}}, FakeUsers(), l.c, l.diags);
  return l;
}

Privileges root() {
  Privileges p;
  p.root = true;
  return p;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(privileges)

// clang-format off
BOOST_DATA_TEST_CASE(kept_capabilities_follow_the_services, bdata::make(std::vector<KeptCase>{
  {"no service", {}, {Cap::NetBindService}},
  {"program without a user", {{.has_user = false}}, {Cap::NetBindService}},
  {"built-in with another user and a chroot",
   {{.uid = 1, .chroot = "/srv", .builtin = true}}, {Cap::NetBindService}},
  {"built-in with a socket owner", {{.socket_owner = "x", .builtin = true}},
   {Cap::NetBindService, Cap::Chown}},
  {"program as superd's own user", {{}}, {Cap::NetBindService}},
  {"program as another user", {{.uid = 1, .gid = 1, .groups = {1}}}, kSwitch},
  {"another group only", {{.gid = 1}}, kSwitch},
  {"other supplementary groups", {{.groups = {65534, 27}}}, kSwitch},
  {"same groups in another order", {{.groups = {65534, 65534}}}, {Cap::NetBindService}},
  {"chroot", {{.chroot = "/srv/tftp"}}, {Cap::NetBindService, Cap::SysChroot}},
  {"socket_owner", {{.socket_owner = "www-data"}}, {Cap::NetBindService, Cap::Chown}},
  {"socket_group", {{.socket_group = "www-data"}}, {Cap::NetBindService, Cap::Chown}},
  {"mark, for sockets a reload binds", {{.mark = 7, .builtin = true}},
   {Cap::NetBindService, Cap::NetAdmin}},
  {"a disabled service needs nothing",
   {{.uid = 1, .chroot = "/srv", .socket_owner = "x", .disabled = true}}, {Cap::NetBindService}},
  {"everything", {{.uid = 0, .gid = 0, .groups = {0}}, {.chroot = "/srv"}, {.socket_group = "g"}},
   {Cap::NetBindService, Cap::Setuid, Cap::Setgid, Cap::Kill, Cap::Chown, Cap::SysChroot}},
}), c) {
  std::vector<ServiceConfig> services;
  for (const Svc& v : c.services) services.push_back(make(v));
  BOOST_TEST((kept_capabilities(services, nobody()) == c.expected), describe(kept_capabilities(services, nobody())));
}
// clang-format on

BOOST_AUTO_TEST_CASE(describes_capabilities_as_the_kernel_names_them) {
  BOOST_TEST(describe({}) == "no capability");
  BOOST_TEST(describe({Cap::SysChroot}) == "CAP_SYS_CHROOT");
  BOOST_TEST(describe({Cap::NetAdmin}) == "CAP_NET_ADMIN");
  BOOST_TEST(describe(kSwitch) == "CAP_NET_BIND_SERVICE, CAP_SETUID, CAP_SETGID and CAP_KILL");
}

BOOST_AUTO_TEST_CASE(root_sets_every_identity_and_may_switch) {
  Identity id{true, "root", 0, 0, {0}};
  BOOST_TEST(switches_identity(id, root()));
  BOOST_TEST(root().can_switch_users());
  BOOST_TEST(!nobody().can_switch_users());
  BOOST_TEST(nobody(kSwitch).can_switch_users());
  BOOST_TEST(!switches_identity(Identity{}, root()));
}

BOOST_AUTO_TEST_CASE(first_load_as_root_plans_the_drop) {
  Loaded l = load_as(root(),
                     "user = nobody\ngroup = nogroup\n"
                     "[echo]\nport = 7\nbuiltin = echo\n"
                     "[cat]\nport = 8\nexec = /bin/cat\nuser = daemon\n");
  BOOST_TEST(l.ok, l.errors().size());
  BOOST_TEST(l.c.self.dropped);
  BOOST_TEST(!l.c.self.root);
  BOOST_TEST(l.c.self.user == "nobody");
  BOOST_TEST(l.c.self.uid == 65534u);
  BOOST_TEST(l.c.self.gid == 65534u);
  BOOST_TEST((l.c.self.caps == kSwitch), describe(l.c.self.caps));
}

BOOST_AUTO_TEST_CASE(root_without_a_global_user_keeps_root) {
  Loaded l = load_as(root(), "[echo]\nport = 7\nbuiltin = echo\n");
  BOOST_TEST(l.ok);
  BOOST_TEST(l.c.self.root);
  BOOST_TEST(!l.c.self.dropped);
}

BOOST_AUTO_TEST_CASE(global_user_root_is_no_drop) {
  Loaded l = load_as(root(), "user = root\n[echo]\nport = 7\nbuiltin = echo\n");
  BOOST_TEST(l.ok);
  BOOST_TEST(l.c.self.root);
  BOOST_TEST(!l.c.self.dropped);
}

BOOST_AUTO_TEST_CASE(services_inheriting_superds_chroot_are_not_confined_again) {
  Loaded l = load_as(root(),
                     "user = nobody\nchroot = /srv/jail\n"
                     "[a]\nport = 7\nexec = /bin/cat\n"
                     "[b]\nport = 8\nexec = /bin/cat\nchroot = /inner\n");
  BOOST_TEST(l.ok);
  BOOST_TEST(l.c.self.chroot == "/srv/jail");
  BOOST_TEST(l.c.services[0].chroot == "");
  BOOST_TEST(l.c.services[1].chroot == "/inner");
  BOOST_TEST((l.c.self.caps == CapSet{Cap::NetBindService, Cap::SysChroot}),
             describe(l.c.self.caps));
}

BOOST_AUTO_TEST_CASE(reload_needing_a_dropped_capability_names_service_and_key) {
  Loaded l = load_as(nobody(),
                     "user = nobody\n[echo]\nport = 7\nbuiltin = echo\n"
                     "[tftp]\nport = 69/udp\nwait = yes\nexec = /bin/cat\nchroot = /srv/tftp\n"
                     "[cat]\nport = 8\nexec = /bin/cat\nuser = daemon\n");
  BOOST_TEST(!l.ok);
  BOOST_TEST(
      l.errors() ==
          (Lines{"test.conf:9: service 'tftp': needs CAP_SYS_CHROOT for 'chroot', which superd "
                 "dropped when it started as user 'nobody' (restart superd to change that)",
                 "test.conf:13: service 'cat': needs CAP_SETUID, CAP_SETGID and CAP_KILL for "
                 "'user', which superd dropped when it started as user 'nobody' (restart "
                 "superd to change that)"}),
      boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(reload_within_what_superd_kept_succeeds) {
  Loaded l = load_as(nobody(kSwitch),
                     "user = nobody\n[cat]\nport = 8\nexec = /bin/cat\nuser = daemon\n"
                     "[off]\nport = 9\nbuiltin = echo\nchroot = /x\ndisabled = yes\n");
  BOOST_TEST(l.ok, l.errors().size());
  BOOST_TEST(l.c.self.dropped);
  BOOST_TEST((l.c.self.caps == kSwitch));
}

BOOST_AUTO_TEST_CASE(superds_own_identity_cannot_change_on_reload) {
  Loaded l = load_as(nobody(), "user = daemon\n[echo]\nport = 7\nbuiltin = echo\nuser = nobody\n");
  BOOST_TEST(!l.ok);
  BOOST_TEST(
      l.errors() == (Lines{"test.conf:1: global 'user' is now 'daemon', but superd dropped its "
                           "privileges at start with 'nobody' (restart superd to change that)"}),
      boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(no_reload_inside_a_chroot) {
  Privileges jailed = nobody();
  jailed.chroot = "/srv/jail";
  Loaded l =
      load_as(jailed, "user = nobody\nchroot = /srv/jail\n[echo]\nport = 7\nbuiltin = echo\n");
  BOOST_TEST(!l.ok);
  BOOST_TEST(l.errors() ==
                 (Lines{"superd is confined to /srv/jail (global 'chroot') and does not read its "
                        "configuration again (restart superd to change it)"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(unprivileged_with_setuid_and_setgid_may_switch_users) {
  Privileges p;
  p.uid = 1000;
  p.gid = 1000;
  p.caps = {Cap::Setuid, Cap::Setgid};
  Loaded l = load_as(p, "[cat]\nport = 8000\nexec = /bin/cat\nuser = daemon\ngroup = daemon\n");
  BOOST_TEST(l.ok, (l.errors().empty() ? "" : l.errors()[0]));
  p.caps = {};
  Loaded refused = load_as(p, "[cat]\nport = 8000\nexec = /bin/cat\nuser = daemon\n");
  BOOST_TEST(!refused.ok);
}

BOOST_AUTO_TEST_SUITE_END()
