// SPDX-License-Identifier: MIT
#include "core/service_runtime.hpp"

#include <algorithm>
#include <boost/asio/post.hpp>

#include "core/stream_session.hpp"

namespace superd::core {

namespace asio = boost::asio;

namespace {
/// A queue this long meets slow_reader even while senders are held on it:
/// each held sender adds at most one read's worth (a few times 64 KiB).
constexpr std::size_t kReceiverFullMax = 64 * kHighWater;
/// A receiver that keeps senders waiting this long without draining meets slow_reader.
constexpr double kReceiverStallSeconds = 1;
}  // namespace

/// A session's StreamHandler: forwards its events, tagged with its id.
class ServiceRuntime::Adapter : public StreamHandler {
 public:
  Adapter(std::shared_ptr<ServiceRuntime> rt, ConnectionId id) : rt_(std::move(rt)), id_(id) {}
  void on_open(Stream& s) override {
    rt_->opened(id_, &static_cast<StreamSession&>(s));
  }
  void on_data(Stream&, std::string_view bytes) override {
    if (!rt_->handler_) return;
    ConnectionId before = rt_->reading_;
    rt_->reading_ = id_;
    rt_->handler_->on_data(id_, bytes);
    rt_->reading_ = before;
  }
  void on_drain(Stream&) override { rt_->drained(id_); }
  void on_close(Stream&) override { rt_->closed(id_); }

 private:
  std::shared_ptr<ServiceRuntime> rt_;
  ConnectionId id_;
};

ServiceRuntime::ServiceRuntime(Context& ctx, std::shared_ptr<const conf::Config> snapshot,
                               const conf::ServiceConfig& cfg, std::string signature)
    : ctx_(ctx), snapshot_(std::move(snapshot)), cfg_(cfg), signature_(std::move(signature)), stall_timer_(ctx.io) {}

ServiceRuntime::~ServiceRuntime() {
  handler_.reset();  // before the timers and connections it may name
  for (auto& [id, t] : timers_) t->cancel();
  stall_timer_.cancel();
}

std::string ServiceRuntime::signature_of(const conf::ServiceConfig& cfg) {
  std::string s = cfg.builtin + '\n' + std::to_string(static_cast<int>(cfg.hub_protocol)) + '\n' +
                  std::to_string(cfg.max_message.value) + '\n' +
                  std::to_string(static_cast<int>(cfg.slow_reader)) + '\n' + cfg.user + '\n' + cfg.group +
                  '\n' + cfg.chroot + '\n';
  // Everything else the handler program is started with, and its logging.
  s += (cfg.nice ? std::to_string(*cfg.nice) : "-") + '\n' + std::to_string(cfg.umask.value) + '\n' +
       std::to_string(static_cast<int>(cfg.stderr_mode)) + '\n' + std::to_string(cfg.log_level.value) + '\n';
  for (const conf::Limit* l : {&cfg.rlimit_as, &cfg.rlimit_core, &cfg.rlimit_cpu, &cfg.rlimit_data, &cfg.rlimit_fsize,
                               &cfg.rlimit_nofile, &cfg.rlimit_nproc, &cfg.rlimit_stack})
    s += (l->set ? std::to_string(l->value) : "-") + ' ';
  s += '\n';
  for (const conf::EnvName& n : cfg.passenv) s += n.text + '\0';
  s += '\n';
  for (const std::string& w : cfg.hub_handler.words) s += w + '\0';
  s += '\n';
  for (const conf::EnvEntry& e : cfg.env) s += e.text + '\0';
  return s;
}

std::unique_ptr<StreamHandler> ServiceRuntime::connection() {
  return std::make_unique<Adapter>(shared_from_this(), ctx_.next_connection_id++);
}

void ServiceRuntime::opened(ConnectionId id, StreamSession* s) {
  conns_[id].session = s;
  if (handler_) handler_->on_open(id);
}

void ServiceRuntime::closed(ConnectionId id) {
  auto it = conns_.find(id);
  if (it == conns_.end()) return;
  std::vector<ConnectionId> waiting = std::move(it->second.waiting);
  conns_.erase(it);
  for (ConnectionId w : waiting) unhold(w);
  // A sender that leaves no longer waits on anyone.
  for (auto& [other, c] : conns_) {
    (void)other;
    c.waiting.erase(std::remove(c.waiting.begin(), c.waiting.end(), id), c.waiting.end());
  }
  handler_waiting_.erase(std::remove(handler_waiting_.begin(), handler_waiting_.end(), id), handler_waiting_.end());
  if (handler_) handler_->on_close(id);
}

bool ServiceRuntime::send(ConnectionId id, std::string_view bytes) {
  auto it = conns_.find(id);
  return it != conns_.end() && queue(id, it->second, bytes);
}

std::size_t ServiceRuntime::broadcast(std::string_view bytes, ConnectionId except) {
  std::size_t n = 0;
  for (auto& [id, c] : conns_)
    if (id != except && queue(id, c, bytes)) ++n;
  return n;
}

bool ServiceRuntime::queue(ConnectionId id, Conn& c, std::string_view bytes) {
  StreamSession& s = *c.session;
  if (!s.takes_output()) return false;
  // One message always fits an empty queue, so a message longer than the
  // mark still goes to a reader that keeps up; the queue holds at most
  // the mark plus one message.
  if (s.pending() > 0 && s.pending() + bytes.size() > kHighWater) {
    s.send_some();
    if (s.pending() > 0 && s.pending() + bytes.size() > kHighWater) {
      // Bytes a client sent are being handled: hold that client (stop
      // reading it) rather than judge the receiver by one turn's output.
      if (c.stalled || s.pending() > kReceiverFullMax) {
        slow(id, c, bytes.size());
        return false;
      }
      // No client is being read (the handler program's commands, the hub's
      // own client_start and client_end): queued up to kReceiverFullMax.
      if (reading_ != 0) hold_on(id, c);
    }
  }
  s.write(bytes);
  if (!c.dirty) {
    c.dirty = true;
    dirty_.push_back(id);
    if (!flush_posted_) {
      flush_posted_ = true;
      asio::post(ctx_.io, [self = shared_from_this()] { self->flush_dirty(); });
    }
  }
  return true;
}

void ServiceRuntime::slow(ConnectionId id, Conn& c, std::size_t size) {
  StreamSession& s = *c.session;
  std::string who = "peer " + s.peer() + " (id " + std::to_string(id) + ")";
  if (cfg_.slow_reader == conf::SlowReader::Disconnect) {
    log(log::kNotice, who + " is not reading: " + std::to_string(s.pending()) +
                          " bytes wait for it; disconnecting it (slow_reader = disconnect)");
    return s.abort_later("slow-reader");
  }
  if (s.dropped() == 0)
    log(log::kNotice, who + " is not reading: " + std::to_string(s.pending()) +
                          " bytes wait for it; dropping messages for it (slow_reader = drop)");
  (void)size;
  s.count_drop();
}

void ServiceRuntime::hold_on(ConnectionId id, Conn& c) {
  if (reading_ == id) return;  // a session stops reading itself above its own mark
  if (std::find(c.waiting.begin(), c.waiting.end(), reading_) != c.waiting.end()) return;
  auto sender = conns_.find(reading_);
  if (sender == conns_.end()) return;
  if (c.waiting.empty()) c.since = now_seconds();
  c.waiting.push_back(reading_);
  if (sender->second.holds++ == 0) sender->second.session->hold(true);
  arm_stall_check();
}

void ServiceRuntime::unhold(ConnectionId sender) {
  auto it = conns_.find(sender);
  if (it == conns_.end() || it->second.holds == 0) return;
  if (--it->second.holds == 0) it->second.session->hold(false);
}

void ServiceRuntime::drained(ConnectionId id) {
  auto it = conns_.find(id);
  if (it == conns_.end()) return;
  it->second.stalled = false;
  std::vector<ConnectionId> waiting = std::move(it->second.waiting);
  it->second.waiting.clear();
  for (ConnectionId w : waiting) unhold(w);
}

void ServiceRuntime::hold_reader() {
  if (reading_ == 0) return;
  if (std::find(handler_waiting_.begin(), handler_waiting_.end(), reading_) != handler_waiting_.end()) return;
  auto it = conns_.find(reading_);
  if (it == conns_.end()) return;
  handler_waiting_.push_back(reading_);
  if (it->second.holds++ == 0) it->second.session->hold(true);
}

void ServiceRuntime::release_held() {
  std::vector<ConnectionId> waiting;
  waiting.swap(handler_waiting_);
  for (ConnectionId w : waiting) unhold(w);
}

void ServiceRuntime::arm_stall_check() {
  if (stall_armed_) return;
  stall_armed_ = true;
  stall_timer_.expires_after(std::chrono::seconds(1));
  stall_timer_.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
    auto self = weak.lock();
    if (!self) return;
    self->stall_armed_ = false;
    if (!ec) self->stall_check();
  });
}

void ServiceRuntime::stall_check() {
  double now = now_seconds();
  bool any = false;
  std::vector<ConnectionId> stalled;
  for (auto& [id, c] : conns_) {
    if (c.waiting.empty()) continue;
    // Judged from when senders began to wait, not from its last byte out:
    // one that takes a byte now and then would hold them for ever.
    if (now - c.since >= kReceiverStallSeconds) {
      stalled.push_back(id);
      continue;
    }
    any = true;
  }
  for (ConnectionId id : stalled) {
    auto it = conns_.find(id);
    if (it == conns_.end()) continue;
    Conn& c = it->second;
    // Disconnect ends it on the next turn (closed() releases its senders);
    // drop releases them now and drops what passes the mark from now on.
    if (cfg_.slow_reader == conf::SlowReader::Disconnect) {
      slow(id, c, 0);
      continue;
    }
    c.stalled = true;
    std::vector<ConnectionId> waiting = std::move(c.waiting);
    c.waiting.clear();
    for (ConnectionId w : waiting) unhold(w);
  }
  if (any) arm_stall_check();
}

void ServiceRuntime::flush_dirty() {
  flush_posted_ = false;
  std::vector<ConnectionId> now;
  now.swap(dirty_);
  for (ConnectionId id : now) {
    auto it = conns_.find(id);
    if (it == conns_.end()) continue;
    it->second.dirty = false;
    std::shared_ptr<StreamSession> s = it->second.session->shared_from_this();
    s->kick();  // may end it, and so erase `it`
  }
}

void ServiceRuntime::close(ConnectionId id) {
  auto it = conns_.find(id);
  if (it != conns_.end()) it->second.session->close_later();
}

std::string ServiceRuntime::peer(ConnectionId id) const {
  auto it = conns_.find(id);
  return it == conns_.end() ? std::string() : it->second.session->peer();
}

std::vector<ConnectionId> ServiceRuntime::connections() const {
  std::vector<ConnectionId> out;
  out.reserve(conns_.size());
  for (const auto& [id, c] : conns_) out.push_back(id);
  return out;
}

TimerId ServiceRuntime::after(double seconds, std::function<void()> fn) {
  TimerId id = next_timer_++;
  auto& t = timers_[id];
  t = std::make_unique<asio::steady_timer>(ctx_.io);
  t->expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(seconds < 0 ? 0 : seconds)));
  t->async_wait([weak = weak_from_this(), id, fn = std::move(fn)](const boost::system::error_code& ec) {
    auto self = weak.lock();
    if (ec || !self || !self->timers_.erase(id)) return;
    fn();
  });
  return id;
}

void ServiceRuntime::cancel(TimerId timer) {
  auto it = timers_.find(timer);
  if (it == timers_.end()) return;
  it->second->cancel();
  timers_.erase(it);
}

void ServiceRuntime::log(int level, std::string_view message) {
  if (level <= cfg_.log_level.value) ctx_.log.write(level, "service " + cfg_.name + ": " + std::string(message));
}

}  // namespace superd::core
