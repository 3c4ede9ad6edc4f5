// SPDX-License-Identifier: MIT
// The child shares the parent's memory until execve (CLONE_VM) and the parent
// is suspended until then (CLONE_VFORK), as in glibc's posix_spawn. All
// signals are blocked around clone() so that no handler of superd's can run
// in the child before its dispositions are reset.
#include "proc/spawn.hpp"

#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>

#include "sys/errno_error.hpp"
#include "sys/unique_fd.hpp"

namespace superd::proc {

namespace {

constexpr std::size_t kStackSize = 64 * 1024;

// AddressSanitizer must keep out of the child: it runs on stack_, a heap
// block ASan does not know as a stack, so the stack unpoisoning it does
// before every [[noreturn]] call (_exit, child_fail) reads the block's
// redzones as a stack-buffer-underflow. The child makes system calls only;
// nothing in it is worth checking.
#define SUPERD_CHILD_CODE __attribute__((no_sanitize("address")))

enum Stage : int {
  kSignals, kSetsid, kDup2, kCloseFds, kRlimit, kNice, kChroot, kChdir, kSetgroups, kSetgid,
  kSetuid, kExec, kStageCount
};
const char* const kStageNames[kStageCount] = {
    "sigaction", "setsid", "dup2", "close_range", "setrlimit", "setpriority",
    "chroot", "chdir", "setgroups", "setresgid", "setresuid", "execve"};

struct ChildArgs {
  const SpawnPlan* plan;
  int report_fd;
};

[[noreturn]] SUPERD_CHILD_CODE void child_fail(int report_fd, Stage stage) {
  int err = errno;
  int msg[2] = {stage, err};
  ssize_t ignored = ::write(report_fd, msg, sizeof msg);
  (void)ignored;
  _exit(err == ENOENT && stage == kExec ? 127 : 126);
}

SUPERD_CHILD_CODE int sys_close_range(unsigned lo, unsigned hi) {
  return static_cast<int>(::syscall(SYS_close_range, lo, hi, 0));
}

// Closes every descriptor from `from` up, except `keep`.
SUPERD_CHILD_CODE bool close_from(int from, int keep, int max_fd) {
  unsigned k = static_cast<unsigned>(keep);
  int rc = keep > from ? sys_close_range(static_cast<unsigned>(from), k - 1) : 0;
  if (rc == 0) rc = sys_close_range(k + 1, ~0U);
  if (rc == 0) return true;
  if (errno != ENOSYS) return false;
  for (int fd = from; fd < max_fd; ++fd)
    if (fd != keep) ::close(fd);
  return true;
}

// Runs in the child: system calls only, no allocation, no locks.
SUPERD_CHILD_CODE int child_main(void* arg) {
  const auto& a = *static_cast<ChildArgs*>(arg);
  const SpawnPlan& p = *a.plan;
  const ProgramTemplate& t = *p.program;
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig)
    if (sig != SIGKILL && sig != SIGSTOP) ::sigaction(sig, &dfl, nullptr);
  if (::setsid() < 0) child_fail(a.report_fd, kSetsid);
  if (::dup2(p.fd0, 0) < 0 || ::dup2(p.fd1, 1) < 0 || ::dup2(p.fd2, 2) < 0)
    child_fail(a.report_fd, kDup2);
  if (!close_from(3, a.report_fd, p.max_fd)) child_fail(a.report_fd, kCloseFds);
  for (const auto& r : t.rlimits)
    if (::setrlimit(static_cast<__rlimit_resource>(r.resource), &r.value) != 0)
      child_fail(a.report_fd, kRlimit);
  if (t.has_nice && ::setpriority(PRIO_PROCESS, 0, t.nice) != 0) child_fail(a.report_fd, kNice);
  if (t.umask >= 0) ::umask(static_cast<mode_t>(t.umask));
  if (t.chroot) {
    if (::chroot(t.chroot) != 0) child_fail(a.report_fd, kChroot);
    if (::chdir("/") != 0) child_fail(a.report_fd, kChdir);
  }
  // Capabilities superd holds (after dropping root) must not reach the
  // program: its inheritable set is empty and the ambient set cleared here,
  // so execve() of an unprivileged program leaves it none.
  ::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
  if (t.switch_identity) {
    // Raw system calls: glibc's set*id wrappers synchronise every thread of the
    // process, which takes locks; this child shares the parent's memory.
    const conf::Identity& id = *t.identity;
    if (::syscall(SYS_setgroups, id.groups.size(), id.groups.data()) != 0)
      child_fail(a.report_fd, kSetgroups);
    if (::syscall(SYS_setresgid, id.gid, id.gid, id.gid) != 0) child_fail(a.report_fd, kSetgid);
    if (::syscall(SYS_setresuid, id.uid, id.uid, id.uid) != 0) child_fail(a.report_fd, kSetuid);
  }
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::execve(t.path, t.argv.data(), p.envp.data());
  child_fail(a.report_fd, kExec);
}

}  // namespace

std::string SpawnResult::describe(const char* program) const {
  return sys::describe_errno(stage, std::string_view(stage) == "execve" ? program : "", error);
}

Spawner::Spawner() : stack_(new char[kStackSize]) {}

SpawnResult Spawner::spawn(const SpawnPlan& plan) {
  SpawnResult r;
  int pipefd[2];
  if (::pipe2(pipefd, O_CLOEXEC) != 0) {
    r.error = errno;
    r.stage = "pipe2";
    return r;
  }
  sys::UniqueFd report_rd(pipefd[0]), report_wr(pipefd[1]);
  ChildArgs args{&plan, report_wr.get()};
  sigset_t all, old;
  sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &old);
  r.pid = ::clone(child_main, stack_.get() + kStackSize, CLONE_VM | CLONE_VFORK | SIGCHLD, &args);
  int clone_errno = errno;
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  if (r.pid < 0) {
    r.error = clone_errno;
    r.stage = "clone";
    return r;
  }
  // The child has exec'd (the pipe closed) or failed (the report is written).
  report_wr.reset();
  int msg[2];
  if (::read(report_rd.get(), msg, sizeof msg) == static_cast<ssize_t>(sizeof msg) && msg[0] >= 0 &&
      msg[0] < kStageCount) {
    r.stage = kStageNames[msg[0]];
    r.error = msg[1];
  }
  return r;
}

}  // namespace superd::proc
