// SPDX-License-Identifier: MIT
// MetricsServer: the `metrics` endpoint. A small HTTP/1.1 server in the
// event loop (Boost.Beast parses the requests) that answers GET /metrics with
// the Prometheus text format, rendered on demand by its owner. A scraper
// costs one descriptor and at most kMaxRequest bytes for at most
// kScrapeTimeout; past kMaxScrapers at once, new ones are closed at once, so
// a hung or hostile scraper never delays serving.
//
// MetricWriter writes that format: # HELP / # TYPE once per family, label
// values escaped.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "log/log.hpp"
#include "net/endpoint.hpp"

namespace superd::core {

/// Serves the metrics endpoint. Loop thread only.
class MetricsServer {
 public:
  /// Renders the whole exposition (called once per scrape).
  using Render = std::function<std::string()>;
  static constexpr int kMaxScrapers = 16;
  static constexpr double kScrapeTimeout = 10;  ///< Seconds for a request and its answer.
  static constexpr std::size_t kMaxRequest = 8192;

  MetricsServer(boost::asio::io_context& io, log::Logger& log, Render render);
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  /// Binds `e` (unset: none) unless it is the endpoint served now; the new
  /// socket waits for commit(). False with `error` when it cannot be bound.
  bool prepare(const std::optional<net::Endpoint>& e, std::string& error);
  /// Serves what prepare() staged, closing the socket it replaces.
  void commit();
  /// Drops what prepare() staged; the running socket stays.
  void rollback();
  /// Closes the socket and every scrape in progress (shutdown).
  void stop();
  /// The bound address, for the log; empty when off.
  const std::string& address() const { return address_; }

 private:
  struct Listener;
  struct Scrape;
  void arm();
  void accept_some();
  boost::asio::io_context& io_;
  log::Logger& log_;
  Render render_;
  std::optional<net::Endpoint> endpoint_;
  std::string address_;
  std::shared_ptr<Listener> listener_;
  bool staged_ = false;
  std::optional<net::Endpoint> staged_endpoint_;
  std::shared_ptr<Listener> staged_listener_;
  std::vector<std::weak_ptr<Scrape>> scrapes_;
};

/// Writes Prometheus' text exposition format (version 0.0.4).
class MetricWriter {
 public:
  using Labels = std::vector<std::pair<std::string_view, std::string_view>>;
  /// Starts a family: `type` is counter, gauge or histogram; `name` is the
  /// base name (a counter's samples add "_total"). A family is written
  /// once, its samples together.
  void family(std::string_view name, std::string_view type, std::string_view help);
  /// One sample of the current family; `suffix` is "_total", "_bucket", "" ...
  void sample(std::string_view suffix, const Labels& labels, double value);
  void sample(std::string_view suffix, const Labels& labels, std::uint64_t value);
  std::string take() { return std::move(out_); }

 private:
  void head(std::string_view suffix, const Labels& labels);
  std::string out_;
  std::string name_;
};

}  // namespace superd::core
