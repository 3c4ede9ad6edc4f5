// SPDX-License-Identifier: MIT
#include "core/service_runtime.hpp"

#include <boost/asio/post.hpp>

#include "core/stream_session.hpp"

namespace superd::core {

namespace asio = boost::asio;

/// A session's StreamHandler: forwards its events, tagged with its id.
class ServiceRuntime::Adapter : public StreamHandler {
 public:
  Adapter(std::shared_ptr<ServiceRuntime> rt, ConnectionId id) : rt_(std::move(rt)), id_(id) {}
  void on_open(Stream& s) override {
    rt_->opened(id_, &static_cast<StreamSession&>(s));
  }
  void on_data(Stream&, std::string_view bytes) override {
    if (rt_->handler_) rt_->handler_->on_data(id_, bytes);
  }
  void on_close(Stream&) override { rt_->closed(id_); }

 private:
  std::shared_ptr<ServiceRuntime> rt_;
  ConnectionId id_;
};

ServiceRuntime::ServiceRuntime(Context& ctx, std::shared_ptr<const conf::Config> snapshot,
                               const conf::ServiceConfig& cfg, std::string signature)
    : ctx_(ctx), snapshot_(std::move(snapshot)), cfg_(cfg), signature_(std::move(signature)) {}

ServiceRuntime::~ServiceRuntime() {
  handler_.reset();  // before the timers and connections it may name
  for (auto& [id, t] : timers_) t->cancel();
}

std::string ServiceRuntime::signature_of(const conf::ServiceConfig& cfg) {
  std::string s = cfg.builtin + '\n' + std::to_string(static_cast<int>(cfg.hub_protocol)) + '\n' +
                  std::to_string(cfg.max_message.value) + '\n' +
                  std::to_string(static_cast<int>(cfg.slow_reader)) + '\n' + cfg.user + '\n' + cfg.group +
                  '\n' + cfg.chroot + '\n';
  for (const std::string& w : cfg.hub_handler.words) s += w + '\0';
  s += '\n';
  for (const conf::EnvEntry& e : cfg.env) s += e.text + '\0';
  return s;
}

std::unique_ptr<StreamHandler> ServiceRuntime::connection() {
  return std::make_unique<Adapter>(shared_from_this(), next_id_++);
}

void ServiceRuntime::opened(ConnectionId id, StreamSession* s) {
  conns_[id].session = s;
  if (handler_) handler_->on_open(id);
}

void ServiceRuntime::closed(ConnectionId id) {
  if (!conns_.erase(id)) return;
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
      slow(id, c, bytes.size());
      return false;
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
