// SPDX-License-Identifier: MIT
#include "core/metrics.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>

#include "net/listener.hpp"
#include "sys/errno_error.hpp"

namespace superd::core {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using boost::system::error_code;

/// The listening socket, shared with its pending wait.
struct MetricsServer::Listener {
  Listener(asio::io_context& io, net::BoundSocket bound)
      : desc(io, bound.fd.release()), endpoint(bound.endpoint), address(bound.address) {}
  ~Listener() { shut(); }
  /// Closes the socket (ending its pending wait) and removes its file, once.
  void shut() {
    if (closed) return;
    closed = true;
    error_code ignored;
    desc.close(ignored);
    net::unlink_socket_file(endpoint);
  }
  asio::posix::stream_descriptor desc;
  net::Endpoint endpoint;
  std::string address;
  bool closed = false;
};

/// One scrape: read a request, answer it, close.
struct MetricsServer::Scrape : std::enable_shared_from_this<MetricsServer::Scrape> {
  Scrape(asio::io_context& io, int fd, int family, const MetricsServer::Render& render)
      : sock(io, asio::generic::stream_protocol(family, SOCK_STREAM), fd), timer(io), render(render) {
    parser.header_limit(kMaxRequest);
    parser.body_limit(0);
  }
  void start() {
    timer.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(kScrapeTimeout)));
    timer.async_wait([self = shared_from_this()](const error_code& ec) {
      if (!ec) self->close();
    });
    http::async_read(sock, buffer, parser, [self = shared_from_this()](const error_code& ec, std::size_t) {
      if (ec) return self->close();  // malformed, too long, or gone: nothing to answer
      self->answer();
    });
  }
  void answer() {
    const auto& req = parser.get();
    std::string_view target(req.target().data(), req.target().size());
    target = target.substr(0, target.find('?'));
    auto res = std::make_shared<http::response<http::string_body>>();
    res->version(req.version());
    res->keep_alive(false);
    res->set(http::field::server, "superd");
    bool head = req.method() == http::verb::head;
    if (req.method() != http::verb::get && !head) {
      res->result(http::status::method_not_allowed);
      res->set(http::field::allow, "GET, HEAD");
      res->body() = "only GET and HEAD are served\n";
    } else if (target != "/metrics") {
      res->result(http::status::not_found);
      res->body() = "metrics are at /metrics\n";
    } else {
      res->result(http::status::ok);
      res->set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
      res->body() = render();
    }
    if (res->result() != http::status::ok)
      res->set(http::field::content_type, "text/plain; charset=utf-8");
    res->prepare_payload();
    if (head) res->body().clear();  // the length stays the one of the body not sent
    http::async_write(sock, *res, [self = shared_from_this(), res](const error_code&, std::size_t) {
      self->close();
    });
  }
  void close() {
    error_code ignored;
    timer.cancel();
    sock.shutdown(asio::socket_base::shutdown_both, ignored);
    sock.close(ignored);
  }
  asio::generic::stream_protocol::socket sock;
  asio::steady_timer timer;
  boost::beast::flat_buffer buffer{kMaxRequest};
  http::request_parser<http::empty_body> parser;
  const MetricsServer::Render& render;
};

MetricsServer::MetricsServer(asio::io_context& io, log::Logger& log, Render render)
    : io_(io), log_(log), render_(std::move(render)) {}

MetricsServer::~MetricsServer() { stop(); }

bool MetricsServer::prepare(const std::optional<net::Endpoint>& e, std::string& error) {
  staged_ = true;
  staged_endpoint_ = e;
  staged_listener_.reset();
  if (!e || (endpoint_ && *endpoint_ == *e && listener_)) return true;
  net::ListenOptions opts;
  opts.mode = 0666;  // read-only counters, like a port on localhost: any local user may scrape
  std::vector<net::BoundSocket> bound;
  if (!net::bind_endpoint(*e, opts, bound, error)) {
    error = "metrics: " + error;
    staged_ = false;
    return false;
  }
  // A host name with several addresses: the first one serves.
  staged_listener_ = std::make_shared<Listener>(io_, std::move(bound.front()));
  return true;
}

void MetricsServer::commit() {
  if (!staged_) return;
  staged_ = false;
  if (staged_endpoint_ && endpoint_ && *staged_endpoint_ == *endpoint_ && listener_) return;
  if (listener_) listener_->shut();
  endpoint_ = staged_endpoint_;
  listener_ = std::move(staged_listener_);
  address_ = listener_ ? listener_->address : "";
  if (listener_) {
    log_.log(log::kNotice, "metrics: serving /metrics on " + address_);
    arm();
  }
}

void MetricsServer::rollback() {
  staged_ = false;
  staged_listener_.reset();
}

void MetricsServer::stop() {
  rollback();
  if (listener_) listener_->shut();
  listener_.reset();
  endpoint_.reset();
  address_.clear();
  for (auto& w : scrapes_)
    if (auto s = w.lock()) s->close();
  scrapes_.clear();
}

void MetricsServer::arm() {
  auto l = listener_;
  l->desc.async_wait(asio::posix::descriptor_base::wait_read, [this, l](const error_code& ec) {
    if (ec || l->closed) return;
    accept_some();
  });
}

void MetricsServer::accept_some() {
  std::erase_if(scrapes_, [](const std::weak_ptr<Scrape>& w) { return w.expired(); });
  for (int i = 0; i < kMaxScrapers; ++i) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    int fd = ::accept4(listener_->desc.native_handle(), reinterpret_cast<sockaddr*>(&ss), &len,
                       SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno != EAGAIN)
        log_.log(log::kWarning, sys::describe_errno("accept", address_, errno) + " (metrics)");
      break;
    }
    if (scrapes_.size() >= static_cast<std::size_t>(kMaxScrapers)) {
      ::close(fd);  // too many at once: this one is turned away, serving goes on
      log_.log(log::kInfo, "metrics: " + std::to_string(kMaxScrapers) +
                               " scrapes in progress; closed another");
      continue;
    }
    try {
      auto s = std::make_shared<Scrape>(io_, fd, ss.ss_family, render_);
      scrapes_.push_back(s);
      s->start();
    } catch (const std::exception& e) {
      ::close(fd);
      log_.log(log::kWarning, std::string("metrics: cannot serve a scrape: ") + e.what());
    }
  }
  arm();
}

// ---- MetricWriter ----------------------------------------------------------

void MetricWriter::family(std::string_view name, std::string_view type, std::string_view help) {
  name_.assign(name);
  // Version 0.0.4 names a counter's family as its samples: with "_total".
  std::string shown(name);
  if (type == "counter") shown += "_total";
  out_ += "# HELP ";
  out_ += shown;
  out_ += ' ';
  out_ += help;
  out_ += "\n# TYPE ";
  out_ += shown;
  out_ += ' ';
  out_ += type;
  out_ += '\n';
}

void MetricWriter::head(std::string_view suffix, const Labels& labels) {
  out_ += name_;
  out_ += suffix;
  if (labels.empty()) {
    out_ += ' ';
    return;
  }
  out_ += '{';
  bool first = true;
  for (const auto& [k, v] : labels) {
    if (!first) out_ += ',';
    first = false;
    out_ += k;
    out_ += "=\"";
    for (char c : v) {
      if (c == '\\') out_ += "\\\\";
      else if (c == '"') out_ += "\\\"";
      else if (c == '\n') out_ += "\\n";
      else out_ += c;
    }
    out_ += '"';
  }
  out_ += "} ";
}

void MetricWriter::sample(std::string_view suffix, const Labels& labels, std::uint64_t value) {
  head(suffix, labels);
  out_ += std::to_string(value);
  out_ += '\n';
}

void MetricWriter::sample(std::string_view suffix, const Labels& labels, double value) {
  head(suffix, labels);
  if (std::isinf(value)) {
    out_ += value > 0 ? "+Inf" : "-Inf";
  } else {
    char buf[64];
    auto r = std::to_chars(buf, buf + sizeof buf, value);
    out_.append(buf, r.ptr);
  }
  out_ += '\n';
}

}  // namespace superd::core
