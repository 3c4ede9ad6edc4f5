// SPDX-License-Identifier: MIT
// core/reload_plan: the pure difference between two configurations, as
// tables of (before, after) conf texts and the expected plan: sockets kept,
// bound, closed and reconfigured; services added, removed, changed (with
// their keys) and kept.
#include "core/reload_plan.hpp"

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <ostream>

#include "conf/resolve.hpp"

namespace bdata = boost::unit_test::data;
using namespace superd;
using Lines = std::vector<std::string>;

namespace {

class NoUsers : public conf::UserDb {
 public:
  bool find_user(const std::string& name, User& out) const override {
    if (name != "alice" && name != "bob") return false;
    out = User{name == "alice" ? 1000u : 1001u, 1000, {}};
    return true;
  }
  bool find_group(const std::string&, gid_t&) const override { return false; }
  uid_t effective_uid() const override { return 0; }
};

conf::Config load(const std::string& text) {
  conf::LoadInput in;
  in.conf_text = text;
  conf::Config c;
  std::vector<Diagnostic> diags;
  bool ok = conf::load(in, {{"echo", {true, true}}, {"daytime", {true, true}}}, NoUsers(), c, diags);
  for (const auto& d : diags) BOOST_TEST_MESSAGE(d.str());
  BOOST_REQUIRE_MESSAGE(ok, text);
  return c;
}

Lines ids(const std::vector<core::SocketPlan>& v) {
  Lines out;
  for (const auto& p : v) out.push_back(p.identity);
  return out;
}

Lines changed(const core::ReloadPlan& p) {
  Lines out;
  for (const auto& [name, keys] : p.changed) {
    std::string line = name + ":";
    for (const auto& k : keys) line += " " + k;
    out.push_back(line);
  }
  return out;
}

Lines reconfigured(const core::ReloadPlan& p) {
  Lines out;
  for (const auto& c : p.reconfigure) {
    std::string line = c.socket.identity + ":";
    for (const auto& w : c.what) line += " " + w;
    out.push_back(line);
  }
  return out;
}

struct Case {
  const char* name;
  const char* before;
  const char* after;
  Lines keep, bind, close, reconfigure, added, removed, changed, unchanged;
};
std::ostream& operator<<(std::ostream& os, const Case& c) { return os << c.name; }

const Case kCases[] = {
    {"nothing changes",
     "[echo]\nport = 127.0.0.1:7\nbuiltin = echo\n",
     "[echo]\nport = 127.0.0.1:7\nbuiltin = echo\n",
     {"tcp 127.0.0.1:7"}, {}, {}, {}, {}, {}, {}, {"echo"}},
    {"start from nothing",
     "",
     "[echo]\nport = 127.0.0.1:7\nport = 127.0.0.1:7/udp\nbuiltin = echo\n",
     {}, {"tcp 127.0.0.1:7", "udp 127.0.0.1:7"}, {}, {}, {"echo"}, {}, {}, {}},
    {"add a service",
     "[echo]\nport = 127.0.0.1:7\nbuiltin = echo\n",
     "[echo]\nport = 127.0.0.1:7\nbuiltin = echo\n[day]\nport = 127.0.0.1:13\nbuiltin = daytime\n",
     {"tcp 127.0.0.1:7"}, {"tcp 127.0.0.1:13"}, {}, {}, {"day"}, {}, {}, {"echo"}},
    {"remove a service",
     "[echo]\nport = 127.0.0.1:7\nbuiltin = echo\n[day]\nport = 127.0.0.1:13\nbuiltin = daytime\n",
     "[echo]\nport = 127.0.0.1:7\nbuiltin = echo\n",
     {"tcp 127.0.0.1:7"}, {}, {"tcp 127.0.0.1:13"}, {}, {}, {"day"}, {}, {"echo"}},
    {"disabling is removing",
     "[echo]\nport = 127.0.0.1:7\nbuiltin = echo\n",
     "[echo]\nport = 127.0.0.1:7\nbuiltin = echo\ndisabled = yes\n",
     {}, {}, {"tcp 127.0.0.1:7"}, {}, {}, {"echo"}, {}, {}},
    {"rename keeps the socket",
     "[echo]\nport = 127.0.0.1:7\nbuiltin = echo\n",
     "[echo2]\nport = 127.0.0.1:7\nbuiltin = echo\n",
     {"tcp 127.0.0.1:7"}, {}, {}, {}, {"echo2"}, {"echo"}, {}, {}},
    {"star and [::] are one socket",
     "[echo]\nport = *:7\nbuiltin = echo\n",
     "[echo]\nport = [::]:7\nbuiltin = echo\n",
     {"tcp [::]:7"}, {}, {}, {}, {}, {}, {"echo: port"}, {}},
    {"0.0.0.0 is another socket than star",
     "[echo]\nport = *:7\nbuiltin = echo\n",
     "[echo]\nport = 0.0.0.0:7\nbuiltin = echo\n",
     {}, {"tcp 0.0.0.0:7"}, {"tcp [::]:7"}, {}, {}, {}, {"echo: port"}, {}},
    {"host key moves the endpoint",
     "[echo]\nport = 7\nbuiltin = echo\n",
     "host = 127.0.0.1\n[echo]\nport = 7\nbuiltin = echo\n",
     {}, {"tcp 127.0.0.1:7"}, {"tcp [::]:7"}, {}, {}, {}, {"echo: host"}, {}},
    {"changed program, same socket",
     "[x]\nport = 127.0.0.1:9\nexec = /bin/cat\nuser = alice\n",
     "[x]\nport = 127.0.0.1:9\nexec = /bin/cat -u\nuser = alice\nmax_instances = 3\n",
     {"tcp 127.0.0.1:9"}, {}, {}, {}, {}, {}, {"x: exec max_instances"}, {}},
    {"backlog change is applied in place",
     "[echo]\nport = 127.0.0.1:7\nbuiltin = echo\n",
     "[echo]\nport = 127.0.0.1:7\nbuiltin = echo\nlisten = 16\n",
     {"tcp 127.0.0.1:7"}, {}, {}, {"tcp 127.0.0.1:7: listen"}, {}, {}, {"echo: listen"}, {}},
    {"unix socket mode is applied in place",
     "[u]\nport = /run/u.sock|unix\nbuiltin = echo\n",
     "[u]\nport = /run/u.sock|unix\nbuiltin = echo\nsocket_mode = 0600\n",
     {"unix /run/u.sock"}, {}, {}, {"unix /run/u.sock: socket_mode"}, {}, {}, {"u: socket_mode"}, {}},
    {"global default inherited by a service changes it",
     "[echo]\nport = 127.0.0.1:7\nbuiltin = echo\n",
     "timeout = 5\n[echo]\nport = 127.0.0.1:7\nbuiltin = echo\n",
     {"tcp 127.0.0.1:7"}, {}, {}, {}, {}, {}, {"echo: timeout"}, {}},
    {"global-only key changes no service",
     "[echo]\nport = 127.0.0.1:7\nbuiltin = echo\n",
     "max_connections = 10\n[echo]\nport = 127.0.0.1:7\nbuiltin = echo\n",
     {"tcp 127.0.0.1:7"}, {}, {}, {}, {}, {}, {}, {"echo"}},
    {"a socket moves to another service",
     "[a]\nport = 127.0.0.1:7\nbuiltin = echo\n[b]\nport = 127.0.0.1:13\nbuiltin = daytime\n",
     "[a]\nport = 127.0.0.1:13\nbuiltin = echo\n[b]\nport = 127.0.0.1:7\nbuiltin = daytime\n",
     {"tcp 127.0.0.1:13", "tcp 127.0.0.1:7"}, {}, {}, {}, {}, {}, {"a: port", "b: port"}, {}},
    {"socket options of a kept socket are applied in place",
     "[echo]\nport = 127.0.0.1:7\nport = /run/e|unix\nbuiltin = echo\n",
     "receive_buffer = 64K\n[echo]\nport = 127.0.0.1:7\nport = /run/e|unix\nbuiltin = echo\n"
     "nodelay = yes\nkeepalive = yes\nkeepalive_time = 30\nmark = 3\nip_tos = 16\ndefer_accept = 2\n",
     {"tcp 127.0.0.1:7", "unix /run/e"}, {}, {},
     {"tcp 127.0.0.1:7: keepalive keepalive_time nodelay defer_accept receive_buffer mark ip_tos",
      "unix /run/e: receive_buffer"},
     {}, {}, {"echo: defer_accept ip_tos keepalive keepalive_time mark nodelay receive_buffer"}, {}},
    {"options that return to the default in place",
     "[echo]\nport = 127.0.0.1:7\nbuiltin = echo\nnodelay = yes\nmark = 3\ndefer_accept = 2\n",
     "[echo]\nport = 127.0.0.1:7\nbuiltin = echo\n",
     {"tcp 127.0.0.1:7"}, {}, {}, {"tcp 127.0.0.1:7: nodelay defer_accept mark"},
     {}, {}, {"echo: defer_accept mark nodelay"}, {}},
    {"a buffer size cannot return to the default: new socket",
     "[echo]\nport = 127.0.0.1:7\nbuiltin = echo\nsend_buffer = 8K\n",
     "[echo]\nport = 127.0.0.1:7\nbuiltin = echo\n",
     {}, {"tcp 127.0.0.1:7"}, {}, {}, {}, {}, {"echo: send_buffer"}, {}},
    {"TCP options leave a UDP socket alone",
     "[echo]\nport = 127.0.0.1:7/udp\nport = 127.0.0.1:7\nbuiltin = echo\n",
     "[echo]\nport = 127.0.0.1:7/udp\nport = 127.0.0.1:7\nbuiltin = echo\nkeepalive_count = 3\n",
     {"tcp 127.0.0.1:7", "udp 127.0.0.1:7"}, {}, {}, {"tcp 127.0.0.1:7: keepalive_count"},
     {}, {}, {"echo: keepalive_count"}, {}},
    {"reuse_port makes another socket",
     "[echo]\nport = 127.0.0.1:7\nbuiltin = echo\n",
     "[echo]\nport = 127.0.0.1:7\nbuiltin = echo\nreuse_port = yes\n",
     {}, {"tcp 127.0.0.1:7 reuseport"}, {"tcp 127.0.0.1:7"}, {}, {}, {}, {"echo: reuse_port"}, {}},
    {"freebind and bind_to_device make another socket",
     "[echo]\nport = 127.0.0.1:7/udp\nbuiltin = echo\nfreebind = yes\n",
     "[echo]\nport = 127.0.0.1:7/udp\nbuiltin = echo\nbind_to_device = lo\n",
     {}, {"udp 127.0.0.1:7 device=lo"}, {"udp 127.0.0.1:7 freebind"}, {}, {}, {},
     {"echo: bind_to_device freebind"}, {}},
    {"user change is a change",
     "[x]\nport = 127.0.0.1:9\nexec = /bin/cat\nuser = alice\n",
     "[x]\nport = 127.0.0.1:9\nexec = /bin/cat\nuser = bob\n",
     {"tcp 127.0.0.1:9"}, {}, {}, {}, {}, {}, {"x: user"}, {}},
};

}  // namespace

BOOST_AUTO_TEST_SUITE(reload_plan)

BOOST_DATA_TEST_CASE(plans_the_difference, bdata::make(kCases), c) {
  conf::Config before = load(c.before), after = load(c.after);
  core::ReloadPlan p = core::plan_reload(before, after);
  BOOST_TEST(ids(p.keep) == c.keep, boost::test_tools::per_element());
  BOOST_TEST(ids(p.bind) == c.bind, boost::test_tools::per_element());
  BOOST_TEST(ids(p.close) == c.close, boost::test_tools::per_element());
  BOOST_TEST(reconfigured(p) == c.reconfigure, boost::test_tools::per_element());
  BOOST_TEST(p.added == c.added, boost::test_tools::per_element());
  BOOST_TEST(p.removed == c.removed, boost::test_tools::per_element());
  BOOST_TEST(changed(p) == c.changed, boost::test_tools::per_element());
  BOOST_TEST(p.unchanged == c.unchanged, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(kept_socket_carries_new_options_and_owner) {
  conf::Config before = load("[a]\nport = 127.0.0.1:7\nbuiltin = echo\nlisten = 8\n");
  conf::Config after = load("[b]\nport = 127.0.0.1:7\nbuiltin = echo\nlisten = 32\n");
  core::ReloadPlan p = core::plan_reload(before, after);
  BOOST_REQUIRE(p.reconfigure.size() == 1u);
  BOOST_TEST(p.reconfigure[0].previous.backlog == 8);
  BOOST_TEST(p.reconfigure[0].socket.options.backlog == 32);
  BOOST_TEST(p.reconfigure[0].socket.service == "b");
}

BOOST_AUTO_TEST_CASE(a_new_socket_on_the_same_address_replaces_the_old_one) {
  conf::Config before = load("[echo]\nport = 127.0.0.1:7\nport = 127.0.0.1:9\nbuiltin = echo\n"
                             "receive_buffer = 8K\n");
  conf::Config after = load("[echo]\nport = 127.0.0.1:7\nport = 127.0.0.1:9\nbuiltin = echo\n"
                            "reuse_port = yes\n");
  core::ReloadPlan p = core::plan_reload(before, after);
  BOOST_REQUIRE(p.bind.size() == 2u);
  for (const core::SocketPlan& b : p.bind) {
    BOOST_REQUIRE(b.replaces.size() == 1u);
    BOOST_TEST(b.replaces[0].identity + " reuseport" == b.identity);
    BOOST_TEST(b.replaces[0].options.receive_buffer == 8192);  // to bind it again on failure
    BOOST_TEST(b.options.receive_buffer == 0);
  }
  // Unrelated new sockets replace nothing.
  core::ReloadPlan q = core::plan_reload(before, load("[echo]\nport = 127.0.0.1:8\nbuiltin = echo\n"));
  BOOST_REQUIRE(q.bind.size() == 1u);
  BOOST_TEST(q.bind[0].replaces.empty());
  // A buffer back to the default: the same identity, a new socket.
  core::ReloadPlan r = core::plan_reload(
      before, load("[echo]\nport = 127.0.0.1:7\nport = 127.0.0.1:9\nbuiltin = echo\n"));
  BOOST_TEST(ids(r.bind) == (Lines{"tcp 127.0.0.1:7", "tcp 127.0.0.1:9"}), boost::test_tools::per_element());
  BOOST_TEST(r.close.empty());
  for (const core::SocketPlan& b : r.bind) {
    BOOST_REQUIRE(b.replaces.size() == 1u);
    BOOST_TEST(b.replaces[0].identity == b.identity);
  }
}

BOOST_AUTO_TEST_CASE(v6only_system_separates_star_from_any) {
  conf::Config before = load("[echo]\nport = *:7\nbuiltin = echo\n");
  conf::Config after = load("[echo]\nport = [::]:7\nbuiltin = echo\n");
  core::ReloadPlan p = core::plan_reload(before, after, true);
  BOOST_TEST(ids(p.bind) == Lines{"tcp [::]:7 v6only"}, boost::test_tools::per_element());
  BOOST_TEST(ids(p.close) == Lines{"tcp [::]:7"}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()
