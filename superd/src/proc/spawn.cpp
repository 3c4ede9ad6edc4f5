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
  kSignals, kSetsid, kSetpgid, kDup2, kCloseFds, kRlimit, kNice, kChroot, kChdir, kSetgroups, kSetgid,
  kSetuid, kExec, kStageCount
};
const char* const kStageNames[kStageCount] = {
    "sigaction", "setsid", "setpgid", "dup2", "close_range", "setrlimit", "setpriority",
    "chroot", "chdir", "setgroups", "setresgid", "setresuid", "execve"};

// Shared with the child (CLONE_VM): it writes the failed step here before
// it exits, and the parent, suspended until then (CLONE_VFORK), reads it
// after. No pipe is needed, so a spawn costs no descriptor.
struct ChildArgs {
  const SpawnPlan* plan;
  const unsigned char* resets;  ///< Signals to set to SIG_DFL.
  int nresets;
  bool new_session;  ///< setsid(), or only setpgid() when superd has no terminal.
  volatile int stage = -1;
  volatile int error = 0;
};

[[noreturn]] SUPERD_CHILD_CODE void child_fail(ChildArgs& a, Stage stage) {
  int err = errno;
  a.error = err;
  a.stage = stage;
  _exit(err == ENOENT && stage == kExec ? 127 : 126);
}

SUPERD_CHILD_CODE int sys_close_range(unsigned lo, unsigned hi) {
  return static_cast<int>(::syscall(SYS_close_range, lo, hi, 0));
}

// Closes every descriptor from `from` up.
SUPERD_CHILD_CODE bool close_from(int from, int max_fd) {
  if (sys_close_range(static_cast<unsigned>(from), ~0U) == 0) return true;
  if (errno != ENOSYS) return false;
  for (int fd = from; fd < max_fd; ++fd) ::close(fd);
  return true;
}

// Runs in the child: system calls only, no allocation, no locks.
SUPERD_CHILD_CODE int child_main(void* arg) {
  auto& a = *static_cast<ChildArgs*>(arg);
  const SpawnPlan& p = *a.plan;
  const ProgramTemplate& t = *p.program;
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int i = 0; i < a.nresets; ++i) ::sigaction(a.resets[i], &dfl, nullptr);
  // Its own process group, so that signals reach the program's helpers
  // too. A new session also parts it from a controlling terminal, which
  // only matters when superd has one; otherwise setpgid() is enough and
  // spares the kernel a scheduler group per session (autogroup), which
  // costs as much as the rest of this function.
  if (a.new_session ? ::setsid() < 0 : ::setpgid(0, 0) != 0)
    child_fail(a, a.new_session ? kSetsid : kSetpgid);
  if (::dup2(p.fd0, 0) < 0 || ::dup2(p.fd1, 1) < 0 || ::dup2(p.fd2, 2) < 0)
    child_fail(a, kDup2);
  if (p.fd3 >= 0) {
    // dup2 onto itself would keep close-on-exec: clear it instead.
    if (p.fd3 == 3 ? ::fcntl(3, F_SETFD, 0) < 0 : ::dup2(p.fd3, 3) < 0) child_fail(a, kDup2);
  }
  if (!close_from(p.fd3 >= 0 ? 4 : 3, p.max_fd)) child_fail(a, kCloseFds);
  if (p.listen_pid) {
    // sd_listen_fds() checks LISTEN_PID against getpid(): only the child knows it.
    char digits[16];
    int n = 0;
    for (unsigned long v = static_cast<unsigned long>(::getpid()); v > 0 || n == 0; v /= 10)
      digits[n++] = static_cast<char>('0' + v % 10);
    for (int i = 0; i < n; ++i) p.listen_pid[i] = digits[n - 1 - i];
    p.listen_pid[n] = '\0';
  }
  for (const auto& r : t.rlimits)
    if (::setrlimit(static_cast<__rlimit_resource>(r.resource), &r.value) != 0)
      child_fail(a, kRlimit);
  if (t.has_nice && ::setpriority(PRIO_PROCESS, 0, t.nice) != 0) child_fail(a, kNice);
  if (t.umask >= 0) ::umask(static_cast<mode_t>(t.umask));
  if (t.chroot) {
    if (::chroot(t.chroot) != 0) child_fail(a, kChroot);
    if (::chdir("/") != 0) child_fail(a, kChdir);
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
      child_fail(a, kSetgroups);
    if (::syscall(SYS_setresgid, id.gid, id.gid, id.gid) != 0) child_fail(a, kSetgid);
    if (::syscall(SYS_setresuid, id.uid, id.uid, id.uid) != 0) child_fail(a, kSetuid);
  }
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::execve(t.path, t.argv.data(), p.envp.data());
  child_fail(a, kExec);
}

}  // namespace

std::string SpawnResult::describe(const char* program) const {
  return sys::describe_errno(stage, std::string_view(stage) == "execve" ? program : "", error);
}

Spawner::Spawner() : stack_(new char[kStackSize]) {}

void Spawner::look_up_signals() {
  resets_ = 0;
  for (int sig = 1; sig < NSIG && resets_ < static_cast<int>(to_reset_.size()); ++sig) {
    struct sigaction now {};
    if (sig == SIGKILL || sig == SIGSTOP || ::sigaction(sig, nullptr, &now) != 0) continue;
    if (now.sa_handler != SIG_DFL) to_reset_[static_cast<std::size_t>(resets_++)] = static_cast<unsigned char>(sig);
  }
  // The terminal is looked up with the signals: both are facts about
  // superd that change only at start-up (background, setsid).
  // Only ENXIO says "no terminal": any other failure (no descriptor left,
  // no /dev in a sandbox) keeps the safe answer, a session per program.
  int tty = ::open("/dev/tty", O_RDONLY | O_NOCTTY | O_CLOEXEC);
  has_terminal_ = !(tty < 0 && errno == ENXIO);
  if (tty >= 0) ::close(tty);
  signals_known_ = true;
}

SpawnResult Spawner::spawn(const SpawnPlan& plan) {
  SpawnResult r;
  if (!signals_known_) look_up_signals();
  ChildArgs args{&plan, to_reset_.data(), resets_, has_terminal_};
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
  // The child has exec'd or failed (and said where): either way it no
  // longer runs on this memory.
  int stage = args.stage;
  if (stage >= 0 && stage < kStageCount) {
    r.stage = kStageNames[stage];
    r.error = args.error;
  }
  return r;
}

}  // namespace superd::proc
