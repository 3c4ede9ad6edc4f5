// SPDX-License-Identifier: MIT
#include "core/reverse_resolver.hpp"

#include <sys/random.h>

#include <algorithm>
#include <sstream>
#include <boost/asio/post.hpp>

#include "core/context.hpp"
#include "net/dns.hpp"

namespace superd::core {

namespace asio = boost::asio;

namespace {
constexpr double kMaxTtl = 3600;     // seconds an answer is kept at most
constexpr double kFailureTtl = 60;   // seconds a failed lookup is not tried again
constexpr std::size_t kMaxResponse = 4096;
}  // namespace

struct ReverseResolver::Lookup {
  explicit Lookup(asio::io_context& io) : timer(io) {}
  net::IpAddress addr;
  std::string key;
  std::vector<Done> waiters;
  std::uint16_t id = 0;
  bool checking = false;  ///< Double-reverse: the forward query of `name` is out.
  std::string name;
  double ttl = 0;
  asio::steady_timer timer;
};

ReverseResolver::ReverseResolver(asio::io_context& io, log::Logger& log)
    : io_(io), log_(log), sock_(io) {
  // Query ids need not be secret from the resolver but should not be guessable off-path.
  if (::getrandom(&id_state_, sizeof id_state_, GRND_NONBLOCK) != sizeof id_state_)
    id_state_ = static_cast<std::uint32_t>(now_seconds() * 1e6);
  id_state_ |= 1;
}

std::uint16_t ReverseResolver::next_id() {
  for (;;) {  // xorshift32; at most kMaxInFlight ids are taken
    id_state_ ^= id_state_ << 13;
    id_state_ ^= id_state_ >> 17;
    id_state_ ^= id_state_ << 5;
    auto id = static_cast<std::uint16_t>(id_state_ >> 8);
    if (!by_id_.count(id)) return id;
  }
}

void ReverseResolver::configure(const net::IpAddress& server, std::uint16_t port, double timeout,
                                bool double_reverse) {
  asio::ip::address a;
  if (server.v6) {
    asio::ip::address_v6::bytes_type b;
    std::copy(server.bytes.begin(), server.bytes.end(), b.begin());
    a = asio::ip::address_v6(b);
  } else {
    asio::ip::address_v4::bytes_type b;
    std::copy(server.bytes.begin(), server.bytes.begin() + 4, b.begin());
    a = asio::ip::address_v4(b);
  }
  asio::ip::udp::endpoint next(a, port);
  if (configured_ && (next != server_ || double_reverse != double_reverse_)) {
    cache_.clear();
    boost::system::error_code ignored;
    sock_.close(ignored);  // answers to the old server's queries are not wanted
    receiving_ = false;
  }
  server_ = next;
  timeout_ = timeout;
  double_reverse_ = double_reverse;
  configured_ = true;
}

bool ReverseResolver::open_socket() {
  if (sock_.is_open()) return true;
  boost::system::error_code ec;
  sock_.open(server_.protocol(), ec);
  if (!ec) sock_.connect(server_, ec);  // only the server's answers get through
  if (ec) {
    log_.log(log::kErr, "reverse lookups: connect " + server_.address().to_string() + ":" +
                            std::to_string(server_.port()) + "/udp: " + ec.message());
    boost::system::error_code ignored;
    sock_.close(ignored);
    return false;
  }
  return true;
}

void ReverseResolver::lookup(const net::IpAddress& addr, Done done) {
  std::string key = addr.str();
  double now = now_seconds();
  if (auto c = cache_.find(key); c != cache_.end()) {
    if (c->second.expires > now) return asio::post(io_, [done = std::move(done), name = c->second.name] { done(name); });
    cache_.erase(c);
  }
  bool full = by_key_.size() >= kMaxInFlight || waiting_ >= kMaxWaiting;
  if (full && configured_ && !full_logged_) {
    full_logged_ = true;
    log_.log(log::kWarning, "reverse lookups: " + std::to_string(by_key_.size()) + " in flight for " +
                                std::to_string(waiting_) + " client(s); serving new clients without a name until some finish");
  }
  auto p = by_key_.find(key);
  if (!full && p != by_key_.end()) {
    ++waiting_;
    return p->second->waiters.push_back(std::move(done));
  }
  if (!configured_ || full || !open_socket()) return asio::post(io_, [done = std::move(done)] { done(""); });
  ++waiting_;
  auto l = std::make_shared<Lookup>(io_);
  l->addr = addr;
  l->key = key;
  l->waiters.push_back(std::move(done));
  by_key_[key] = l;
  if (!send(*l, net::reverse_name(addr), net::kDnsPtr)) return finish(l, "", kFailureTtl);
  l->timer.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(timeout_)));
  l->timer.async_wait([this, weak = std::weak_ptr<Lookup>(l)](const boost::system::error_code& ec) {
    auto l = weak.lock();
    if (ec || !l) return;
    std::ostringstream within;
    within << timeout_;
    log_.log(log::kInfo, "reverse lookups: no answer for " + l->key + " within " + within.str() + "s");
    finish(l, "", kFailureTtl);
  });
  receive();
}

bool ReverseResolver::send(Lookup& l, const std::string& name, std::uint16_t type) {
  // Its previous query's id, if it had one: never another lookup's.
  if (auto it = by_id_.find(l.id); it != by_id_.end() && it->second.get() == &l) by_id_.erase(it);
  l.id = next_id();
  std::string query = net::dns_query(l.id, name, type);
  if (query.empty()) return false;
  boost::system::error_code ec;
  sock_.send(asio::buffer(query), 0, ec);
  if (ec) {
    log_.log(log::kNotice, "reverse lookups: send to " + server_.address().to_string() + ":" +
                               std::to_string(server_.port()) + "/udp: " + ec.message());
    return false;
  }
  by_id_[l.id] = by_key_[l.key];
  return true;
}

void ReverseResolver::receive() {
  if (receiving_ || !sock_.is_open()) return;
  receiving_ = true;
  buffer_.resize(kMaxResponse);
  sock_.async_receive(asio::buffer(buffer_), [this](const boost::system::error_code& ec, std::size_t n) {
    receiving_ = false;
    if (ec == asio::error::operation_aborted) return;
    if (!ec) on_response(n);
    // ECONNREFUSED (nothing listens there) comes back as an error: the
    // lookups in flight time out; keep reading while any are out.
    if (!by_id_.empty()) receive();
  });
}

void ReverseResolver::on_response(std::size_t n) {
  net::DnsResponse r;
  std::string error;
  if (!net::parse_dns_response(std::string_view(buffer_.data(), n), r, error)) {
    log_.log(log::kNotice, "reverse lookups: bad response from " + server_.address().to_string() + ": " + error);
    return;
  }
  auto it = by_id_.find(r.id);
  if (it == by_id_.end()) return;  // late, or not ours
  std::shared_ptr<Lookup> l = it->second;
  by_id_.erase(it);
  if (!l->checking) {
    if (r.rcode != 0 || r.names.empty()) return finish(l, "", r.rcode == 3 ? std::max<double>(r.ttl, kFailureTtl) : kFailureTtl);
    l->name = r.names.front();
    l->ttl = r.ttl;
    if (!double_reverse_) return finish(l, l->name, l->ttl);
    l->checking = true;
    if (!send(*l, l->name, l->addr.v6 ? net::kDnsAaaa : net::kDnsA)) return finish(l, "", kFailureTtl);
    return;
  }
  bool back = std::any_of(r.addrs.begin(), r.addrs.end(), [&](const net::IpAddress& a) {
    return a.v6 == l->addr.v6 && a.bytes == l->addr.bytes;
  });
  if (!back)
    log_.log(log::kNotice, "reverse lookups: " + l->key + " is named " + l->name +
                               ", which does not resolve back to it (double_reverse_lookups): name not used");
  finish(l, back ? l->name : "", back ? std::min<double>(l->ttl, r.ttl) : kFailureTtl);
}

void ReverseResolver::finish(const std::shared_ptr<Lookup>& l, const std::string& name, double ttl) {
  l->timer.cancel();
  by_id_.erase(l->id);
  by_key_.erase(l->key);
  waiting_ -= l->waiters.size();
  if (by_key_.size() < kMaxInFlight / 2 && waiting_ < kMaxWaiting / 2) full_logged_ = false;
  double now = now_seconds();
  if (cache_.size() >= kMaxCached)
    for (auto it = cache_.begin(); it != cache_.end();) it = it->second.expires <= now ? cache_.erase(it) : std::next(it);
  if (cache_.size() >= kMaxCached) cache_.erase(cache_.begin());
  cache_[l->key] = Cached{name, now + std::clamp(ttl, 1.0, kMaxTtl)};
  for (Done& d : l->waiters) d(name);
}

void ReverseResolver::stop() {
  for (auto& [key, l] : by_key_) l->timer.cancel();
  by_key_.clear();
  by_id_.clear();
  waiting_ = 0;
  boost::system::error_code ignored;
  sock_.close(ignored);
}

}  // namespace superd::core
