// SPDX-License-Identifier: MIT
#include "proc/spawn_plan.hpp"

#include <cstdlib>

namespace superd::proc {

ProgramTemplate make_template(const conf::ServiceConfig& s, const conf::Privileges& self,
                              const conf::Argv* argv) {
  ProgramTemplate t;
  const conf::Argv& run = argv ? *argv : s.exec;
  t.path = run.program().c_str();
  for (const std::string& w : run.words) t.argv.push_back(const_cast<char*>(w.c_str()));
  t.argv.push_back(nullptr);
  t.fixed_env.push_back("SUPERD_SERVICE=" + s.name);
  for (const conf::EnvName& n : s.passenv)
    if (const char* v = std::getenv(n.text.c_str())) t.fixed_env.push_back(n.text + "=" + v);
  for (const conf::EnvEntry& e : s.env) t.fixed_env.push_back(e.text);
  t.identity = &s.identity;
  t.switch_identity = self.can_switch_users() && conf::switches_identity(s.identity, self);
  t.chroot = s.chroot.empty() ? nullptr : s.chroot.c_str();
  t.umask = s.umask.value;
  t.has_nice = s.nice.has_value();
  t.nice = s.nice.value_or(0);
  const std::pair<int, const conf::Limit*> limits[] = {
      {RLIMIT_AS, &s.rlimit_as},         {RLIMIT_CORE, &s.rlimit_core},
      {RLIMIT_CPU, &s.rlimit_cpu},       {RLIMIT_DATA, &s.rlimit_data},
      {RLIMIT_FSIZE, &s.rlimit_fsize},   {RLIMIT_NOFILE, &s.rlimit_nofile},
      {RLIMIT_NPROC, &s.rlimit_nproc},   {RLIMIT_STACK, &s.rlimit_stack}};
  for (const auto& [resource, limit] : limits)
    if (limit->set) t.rlimits.push_back({resource, rlimit{limit->value, limit->value}});
  return t;
}

void build_env(const ProgramTemplate& t, const PeerInfo& p, SpawnPlan& plan) {
  plan.env.clear();
  plan.env.reserve(t.fixed_env.size() + 8);
  if (!p.proto.empty()) plan.env.push_back("PROTO=" + p.proto);  // empty: no peer (a hub handler)
  if (p.proto == "UNIX") {
    if (p.has_cred) {
      plan.env.push_back("UNIXREMOTEUID=" + std::to_string(p.uid));
      plan.env.push_back("UNIXREMOTEGID=" + std::to_string(p.gid));
      plan.env.push_back("UNIXREMOTEPID=" + std::to_string(p.pid));
    }
  } else if (!p.remote_ip.empty()) {
    // UCSPI names the variables after PROTO: TCPREMOTEIP, or UDPREMOTEIP for a UDP session.
    const std::string& x = p.proto;
    plan.env.push_back(x + "REMOTEIP=" + p.remote_ip);
    plan.env.push_back(x + "REMOTEPORT=" + p.remote_port);
    if (!p.remote_host.empty()) plan.env.push_back(x + "REMOTEHOST=" + p.remote_host);
    plan.env.push_back(x + "LOCALIP=" + p.local_ip);
    plan.env.push_back(x + "LOCALPORT=" + p.local_port);
    if (p.connnum > 0) plan.env.push_back(x + "CONNNUM=" + std::to_string(p.connnum));
  }
  // Later entries of the same name win in getenv() of most programs only by
  // accident, so `env` entries replace UCSPI ones of the same name explicitly.
  for (const std::string& e : t.fixed_env) {
    std::string_view name(e.data(), e.find('='));
    for (auto it = plan.env.begin(); it != plan.env.end(); ++it)
      if (it->compare(0, name.size() + 1, std::string(name) + "=") == 0) {
        plan.env.erase(it);
        break;
      }
    plan.env.push_back(e);
  }
  plan.envp.clear();
  for (std::string& e : plan.env) plan.envp.push_back(e.data());
  plan.envp.push_back(nullptr);
}

void add_listen_fds(SpawnPlan& plan, int fd, const std::string& name) {
  constexpr std::string_view kPid = "LISTEN_PID=";
  plan.fd3 = fd;
  plan.env.push_back("LISTEN_FDS=1");
  plan.env.push_back("LISTEN_FDNAMES=" + name);
  // Room for any pid; the child writes its digits and a terminating NUL.
  plan.env.push_back(std::string(kPid) + std::string(20, '0'));
  plan.envp.clear();
  for (std::string& e : plan.env) plan.envp.push_back(e.data());
  plan.envp.push_back(nullptr);
  plan.listen_pid = plan.env.back().data() + kPid.size();
}

}  // namespace superd::proc
