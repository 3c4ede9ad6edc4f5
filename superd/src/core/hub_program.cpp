// SPDX-License-Identifier: MIT
#include "core/hub_program.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <cerrno>
#include <cstring>

#include "core/child_set.hpp"
#include "core/service_runtime.hpp"

namespace superd::core {

namespace asio = boost::asio;
using Wait = asio::posix::descriptor_base::wait_type;

namespace {
constexpr int kHandlerRoundsPerWake = 8;
constexpr double kSteadyRun = 10;  // seconds: a program that ran this long is restarted at once
constexpr std::size_t kQueueFloor = 1 << 20;
constexpr std::size_t kHandlerBacklogFactor = 16;  // x out_max_: events waiting before the program is restarted
constexpr std::size_t kCommandOverhead = 64;  // "except 18446744073709551615 " and some
constexpr double kHandlerStallSeconds = 10;  // full and reading nothing this long: killed
}  // namespace

HubProgram::HubProgram(Context& ctx, ServiceRuntime& rt, std::function<void(std::string_view)> on_line,
                       std::function<void()> on_start, std::function<void()> on_drain)
    : ctx_(ctx),
      rt_(rt),
      on_line_(std::move(on_line)),
      on_start_(std::move(on_start)),
      on_drain_(std::move(on_drain)),
      restart_(ctx.io),
      stall_(ctx.io),
      reader_(static_cast<std::size_t>(rt.config().max_message.value) + kCommandOverhead),
      out_max_(std::max(kQueueFloor, 4 * static_cast<std::size_t>(rt.config().max_message.value))) {
  const conf::ServiceConfig& cfg = rt.config();
  // The runtime keeps the configuration snapshot alive: the template's strings live as long.
  program_ = proc::make_template(cfg, rt.snapshot().self, &cfg.hub_handler);
}

HubProgram::~HubProgram() { stop(); }

void HubProgram::log(int level, const std::string& message) {
  if (!stopped_) rt_.log(level, message);
}

// On the next turn: the hub is made while a configuration is applied, which
// may still fail and drop it.
void HubProgram::start() {
  asio::post(ctx_.io, [weak = weak_from_this()] {
    if (auto self = weak.lock()) self->spawn();
  });
}

void HubProgram::stop() {
  if (stopped_) return;
  unfull();  // clients held for the program are read again (and see their ends)
  stopped_ = true;
  restart_.cancel();
  stall_.cancel();
  disconnect();
  if (pid_ <= 0) return;
  // The program leads its own process group: the group goes too. One that is
  // still there after shutdown_timeout is killed (exited() clears pid_).
  // Shutdown waits for it meanwhile: the SIGKILL needs the loop.
  ::kill(-pid_, SIGTERM);
  if (!*ending_) {
    *ending_ = true;
    ++ctx_.ending_sessions;
  }
  restart_.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(rt_.snapshot().global.shutdown_timeout.value)));
  restart_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (!ec && self->pid_ > 0) ::kill(-self->pid_, SIGKILL);
  });
}

void HubProgram::disconnect() {
  if (!sock_) return;
  boost::system::error_code ignored;
  sock_->close(ignored);
  sock_.reset();
  out_.clear();
  out_pos_ = 0;
  unfull();  // what waited is lost; the clients held for it read again
  reader_ = LineReader(static_cast<std::size_t>(rt_.config().max_message.value) + kCommandOverhead);
}

void HubProgram::spawn() {
  if (stopped_) return;
  const conf::ServiceConfig& cfg = rt_.config();
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv) != 0)
    return restart_later(std::string("socketpair: ") + std::strerror(errno));
  // The program's end blocks, as a program's stdin does under any inetd.
  int flags = ::fcntl(sv[1], F_GETFL);
  ::fcntl(sv[1], F_SETFL, flags & ~O_NONBLOCK);
  proc::SpawnPlan plan;
  plan.program = &program_;
  proc::build_env(program_, proc::PeerInfo{}, plan);
  plan.fd0 = plan.fd1 = sv[1];
  plan.max_fd = ctx_.max_fd;
  bool relayed = cfg.stderr_mode == conf::StderrMode::Log && cfg.log_level.value >= log::kNotice &&
                 ctx_.children.stderr_fd() >= 0;
  plan.fd2 = relayed ? ctx_.children.stderr_fd() : ctx_.null_fd;
  proc::SpawnResult r = ctx_.spawner.spawn(plan);
  ::close(sv[1]);
  if (r.pid < 0) {
    ::close(sv[0]);
    return restart_later("hub_handler: " + r.describe(program_.path));
  }
  if (r.error) log(log::kErr, "hub_handler: " + r.describe(program_.path) + " (pid " + std::to_string(r.pid) + ")");
  pid_ = r.pid;
  double started = now_seconds();
  // The count stop() made is taken back at the reap, even when this object
  // is gone by then (its SIGKILL timer was the last to hold it).
  ctx_.children.add(pid_, cfg.name, "hub_handler", relayed,
                    [weak = weak_from_this(), started, ending = ending_, &ctx = ctx_](int status) {
                      if (*ending) --ctx.ending_sessions;
                      *ending = false;
                      if (auto self = weak.lock()) self->exited(status, started);
                    });
  if (ctx_.counts_changed) ctx_.counts_changed();
  try {
    sock_ = std::make_unique<asio::posix::stream_descriptor>(ctx_.io, sv[0]);
  } catch (const boost::system::system_error& e) {
    ::close(sv[0]);
    log(log::kErr, std::string("hub_handler: cannot watch its socket: ") + e.what() + "; killing it (pid " +
                       std::to_string(pid_) + ")");
    ::kill(-pid_, SIGKILL);  // its exit starts it again later
    return;
  }
  log(log::kInfo, "hub_handler started (pid " + std::to_string(pid_) + ")");
  if (lost_ > 0) {
    log(log::kWarning, std::to_string(lost_) + " events were lost while hub_handler was not running");
    lost_ = 0;
  }
  wait_readable();
  if (on_start_ && !stopped_) on_start_();
}

void HubProgram::exited(int status, double started) {
  pid_t pid = pid_;
  pid_ = -1;
  disconnect();
  if (stopped_) return;
  double lived = now_seconds() - started;
  std::string what = "hub_handler (pid " + std::to_string(pid) + ") exited (" + describe_status(status) +
                     ") after " + std::to_string(static_cast<long long>(lived * 1000)) + " ms";
  if (lived >= kSteadyRun) {
    fast_exits_ = 0;
    log(log::kWarning, what + "; starting it again");
    return spawn();
  }
  restart_later(what);
}

void HubProgram::restart_later(const std::string& why) {
  if (stopped_) return;
  int delay = 1 << std::min(fast_exits_++, 6);
  log(log::kWarning, why + "; starting it again in " + std::to_string(delay) +
                         "s (clients stay connected; their events meanwhile are lost)");
  restart_.expires_after(std::chrono::seconds(delay));
  restart_.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
    auto self = weak.lock();
    if (!ec && self) self->spawn();
  });
}

bool HubProgram::send(std::string_view line) {
  if (!sock_ || stopped_) {
    ++lost_;
    return false;
  }
  // Nothing is refused for length: the hub holds the clients that send while
  // full(), so what waits is bounded by one read per client (and by one
  // client_start per client when the program starts).
  // Events that come without reading a client (client_start, client_end)
  // are not held back: past this much waiting the program is too slow for
  // the hub, and it is restarted (and told who is connected) instead.
  if (out_.size() - out_pos_ > kHandlerBacklogFactor * out_max_) {
    kill_it("hub_handler has " + std::to_string(out_.size() - out_pos_) + " bytes of events waiting (more than " +
            std::to_string(kHandlerBacklogFactor * out_max_) + ")");
    ++lost_;
    return false;
  }
  out_.append(line);
  if (!writing_) flush();
  if (!full_ && sock_ && out_.size() - out_pos_ > out_max_) {
    full_ = true;
    progress_ = now_seconds();
    arm_stall_check();
  }
  return true;
}

void HubProgram::unfull() {
  if (!full_) return;
  full_ = false;
  if (on_drain_ && !stopped_) on_drain_();
}

void HubProgram::arm_stall_check() {
  if (stall_armed_) return;
  stall_armed_ = true;
  stall_.expires_after(std::chrono::seconds(1));
  stall_.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
    auto self = weak.lock();
    if (!self) return;
    self->stall_armed_ = false;
    if (ec || self->stopped_ || !self->full_) return;
    if (now_seconds() - self->progress_ < kHandlerStallSeconds) return self->arm_stall_check();
    self->kill_it("hub_handler read nothing of its input for " +
                  std::to_string(static_cast<int>(kHandlerStallSeconds)) + " s (" +
                  std::to_string(self->out_.size() - self->out_pos_) + " bytes wait for it)");
  });
}

void HubProgram::kill_it(const std::string& why) {
  if (pid_ > 0) {
    log(log::kErr, why + "; killing it (pid " + std::to_string(pid_) + ")");
    ::kill(-pid_, SIGKILL);  // it leads its own process group
  }
  disconnect();  // its exit starts it again
}

void HubProgram::flush() {
  while (sock_ && out_pos_ < out_.size()) {
    ssize_t n = ::send(sock_->native_handle(), out_.data() + out_pos_, out_.size() - out_pos_,
                       MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      out_pos_ += static_cast<std::size_t>(n);
      progress_ = now_seconds();
      if (full_ && out_.size() - out_pos_ <= out_max_ / 4) {
        unfull();
        if (!sock_) return;
      }
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) {
      out_.erase(0, out_pos_);
      out_pos_ = 0;
      return wait_writable();
    }
    return kill_it("hub_handler closed its input");
  }
  out_.clear();
  out_pos_ = 0;
}

void HubProgram::wait_writable() {
  if (writing_ || !sock_) return;
  writing_ = true;
  sock_->async_wait(Wait::wait_write, [self = shared_from_this()](const boost::system::error_code& ec) {
    self->writing_ = false;
    if (!ec && !self->stopped_) self->flush();
  });
}

void HubProgram::wait_readable() {
  if (reading_ || !sock_) return;
  reading_ = true;
  sock_->async_wait(Wait::wait_read, [self = shared_from_this()](const boost::system::error_code& ec) {
    self->reading_ = false;
    if (!ec && !self->stopped_) self->on_readable();
  });
}

void HubProgram::on_readable() {
  auto self = shared_from_this();
  for (int round = 0; round < kHandlerRoundsPerWake && sock_; ++round) {
    ssize_t n = ::read(sock_->native_handle(), ctx_.read_buffer.data(), ctx_.read_buffer.size());
    if (n > 0) {
      bool ok = reader_.feed(std::string_view(ctx_.read_buffer.data(), static_cast<std::size_t>(n)),
                             [this](std::string_view line) {
                               if (!stopped_) on_line_(line);
                               return !stopped_ && sock_ != nullptr;
                             });
      if (stopped_) return;
      if (!ok)
        return kill_it("hub_handler wrote a line longer than " +
                       std::to_string(rt_.config().max_message.value + kCommandOverhead) + " bytes");
      continue;
    }
    if (n == 0) return kill_it("hub_handler closed its output");
    if (errno == EINTR) continue;
    if (errno == EAGAIN) break;
    return kill_it(std::string("read from hub_handler: ") + std::strerror(errno));
  }
  wait_readable();
}

}  // namespace superd::core
