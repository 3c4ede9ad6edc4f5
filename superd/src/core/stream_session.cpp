// SPDX-License-Identifier: MIT
#include "core/stream_session.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <cerrno>

namespace superd::core {

namespace asio = boost::asio;
using Wait = asio::posix::descriptor_base::wait_type;

namespace {
// Rounds of reading or refilling per wake-up, so one busy connection cannot
// keep the loop from the others.
constexpr int kRoundsPerWake = 8;
}  // namespace

StreamSession::StreamSession(Context& ctx, int fd, std::unique_ptr<StreamHandler> handler,
                             std::string peer, double idle_timeout, OnEnd on_end,
                             const void* owner)
    : ctx_(ctx),
      sock_(ctx.io, fd),
      handler_(std::move(handler)),
      peer_(std::move(peer)),
      timeout_(idle_timeout),
      started_(now_seconds()),
      last_activity_(started_),
      on_end_(std::move(on_end)),
      owner_(owner) {}

StreamSession::~StreamSession() = default;

void StreamSession::start() {
  handler_->on_open(*this);
  if (ended_) return;
  flush();
  if (!ended_) wait_readable();
}

void StreamSession::write(std::string_view bytes) {
  if (ended_) return;
  // Written while its own read is handled (echo) and nothing is queued:
  // sent from the caller's bytes, so only what the socket does not take
  // now is copied. Writes from elsewhere (a hub's other clients) queue and
  // go out with one send() at the end of the turn.
  if (in_read_ && pending() == 0 && !writing_) {
    while (!bytes.empty()) {
      ssize_t n = ::send(sock_.native_handle(), bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        bytes.remove_prefix(static_cast<std::size_t>(n));
        bytes_out_ += static_cast<std::size_t>(n);
        last_activity_ = now_seconds();
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      break;  // full, or an error flush() meets again and handles
    }
    if (bytes.empty()) return;
    out_.clear();
    out_pos_ = 0;
  }
  out_.append(bytes);
}

void StreamSession::compact() {
  // Moves the unsent tail to the front only when it is no longer than what
  // was sent before it, so each byte is moved at most about once.
  if (out_pos_ >= kLowWater && out_pos_ >= pending()) {
    out_.erase(0, out_pos_);
    out_pos_ = 0;
  }
}

void StreamSession::close() {
  if (closing_) return;
  closing_ = true;
  if (!writing_) flush();
}

void StreamSession::abort(const char* reason) {
  reason_ = reason;
  closing_ = true;
  out_.clear();
  out_pos_ = 0;
  end();
}

void StreamSession::send_some() {
  if (writing_ || ended_) return;
  while (pending() > 0) {
    ssize_t n = ::send(sock_.native_handle(), out_.data() + out_pos_, pending(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      out_pos_ += static_cast<std::size_t>(n);
      bytes_out_ += static_cast<std::size_t>(n);
      last_activity_ = now_seconds();
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) {
      compact();
      return wait_writable();
    }
    return abort_later("reset");  // the peer is gone
  }
  out_.clear();
  out_pos_ = 0;
}

void StreamSession::abort_later(const char* reason) {
  if (ended_) return;
  reason_ = reason;
  closing_ = true;
  out_.clear();
  out_pos_ = 0;
  asio::post(ctx_.io, [self = shared_from_this(), reason] { self->abort(reason); });
}

void StreamSession::close_later() {
  if (ended_ || closing_) return;
  asio::post(ctx_.io, [self = shared_from_this()] { self->close(); });
}

void StreamSession::hold(bool on) {
  held_ = on;
  if (!on) wait_readable();
}

void StreamSession::wait_readable() {
  if (reading_ || closing_ || ended_ || held_) return;
  reading_ = true;
  sock_.async_wait(Wait::wait_read, [self = shared_from_this()](const boost::system::error_code& ec) {
    self->reading_ = false;
    if (!ec && !self->ended_) self->on_readable();
  });
}

void StreamSession::wait_writable() {
  if (writing_ || ended_) return;
  writing_ = true;
  sock_.async_wait(Wait::wait_write, [self = shared_from_this()](const boost::system::error_code& ec) {
    self->writing_ = false;
    if (!ec && !self->ended_) self->flush();
  });
}

void StreamSession::on_readable() {
  auto self = shared_from_this();  // handlers may end the session
  for (int round = 0; round < kRoundsPerWake; ++round) {
    if (closing_ || pending() >= kHighWater) return;  // flush() resumes reading
    if (held_) return;                                // hold(false) resumes reading
    ssize_t n = ::read(sock_.native_handle(), ctx_.read_buffer.data(), ctx_.read_buffer.size());
    if (n > 0) {
      bytes_in_ += static_cast<std::size_t>(n);
      last_activity_ = now_seconds();
      {
        struct InRead {
          bool& flag;
          ~InRead() { flag = false; }
        } guard{in_read_ = true};
        handler_->on_data(*this, std::string_view(ctx_.read_buffer.data(), static_cast<std::size_t>(n)));
      }
      // No new readiness wait here: this loop reads on, and waits once when
      // the socket runs dry (each wait costs Asio an epoll_ctl).
      if (!ended_ && !writing_) flush(false);
      if (ended_) return;
      continue;
    }
    if (n == 0) return close();  // the peer is done: send what is queued, then close
    if (errno == EINTR) continue;
    if (errno == EAGAIN) break;
    return abort();
  }
  wait_readable();
}

void StreamSession::flush(bool then_read) {
  auto self = shared_from_this();
  for (int round = 0; round < kRoundsPerWake; ++round) {
    while (pending() > 0) {
      ssize_t n = ::send(sock_.native_handle(), out_.data() + out_pos_, pending(),
                         MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        out_pos_ += static_cast<std::size_t>(n);
        bytes_out_ += static_cast<std::size_t>(n);
        last_activity_ = now_seconds();
        continue;
      }
      // Sent bytes are dropped from the front once they are many, so the
      // buffer's size follows pending(), not everything ever echoed.
      compact();
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == EAGAIN) return wait_writable();
      return abort();  // the peer is gone
    }
    out_.clear();
    out_pos_ = 0;
    if (closing_) return end();
    handler_->on_drain(*this);  // chargen refills here
    if (ended_ || pending() == 0) break;
  }
  if (pending() > 0) return wait_writable();  // more to send: continue on the next wake-up
  if (then_read) wait_readable();
}

void StreamSession::end() {
  if (ended_) return;
  auto self = shared_from_this();
  ended_ = true;
  boost::system::error_code ignored;
  sock_.close(ignored);
  handler_->on_close(*this);
  if (on_end_) on_end_(*this);
  ctx_.sessions.remove(this);
}

SessionSet::SessionSet(asio::io_context& io) : sweep_(io) {}

void SessionSet::add(const std::shared_ptr<StreamSession>& s) {
  sessions_.emplace(s.get(), s);
  if (!sweeping_) arm_sweep();
}

void SessionSet::remove(StreamSession* s) { sessions_.erase(s); }

void SessionSet::arm_sweep() {
  sweeping_ = true;
  sweep_.expires_after(std::chrono::seconds(1));
  sweep_.async_wait([this](const boost::system::error_code& ec) {
    sweeping_ = false;
    if (ec) return;
    double now = now_seconds();
    std::vector<std::shared_ptr<StreamSession>> expired;
    for (const auto& [p, s] : sessions_)
      if (s->idle_expired(now)) expired.push_back(s);
    for (const auto& s : expired) s->abort("timeout");
    if (!sessions_.empty()) arm_sweep();
  });
}

void SessionSet::finish_all(const void* owner) {
  std::vector<std::shared_ptr<StreamSession>> all;
  for (const auto& [p, s] : sessions_)
    if (!owner || s->owner() == owner) all.push_back(s);
  for (const auto& s : all) s->finish();
}

void SessionSet::abort_all(const void* owner) {
  std::vector<std::shared_ptr<StreamSession>> all;
  for (const auto& [p, s] : sessions_)
    if (!owner || s->owner() == owner) all.push_back(s);
  for (const auto& s : all) s->abort("shutdown");
  if (!owner) sweep_.cancel();
}

std::vector<const StreamSession*> SessionSet::list() const {
  std::vector<const StreamSession*> out;
  out.reserve(sessions_.size());
  for (const auto& [p, s] : sessions_) out.push_back(p);
  std::sort(out.begin(), out.end(), [](const StreamSession* a, const StreamSession* b) {
    return a->started() != b->started() ? a->started() < b->started() : a < b;
  });
  return out;
}

std::size_t SessionSet::count(const void* owner) const {
  std::size_t n = 0;
  for (const auto& [p, s] : sessions_) n += s->owner() == owner ? 1 : 0;
  return n;
}

}  // namespace superd::core
