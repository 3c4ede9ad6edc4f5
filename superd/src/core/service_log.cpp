// SPDX-License-Identifier: MIT
// Service, part three: its log lines. Each is a log::Record built only when
// the service's log_level wants it, so a connection whose end is not logged
// costs nothing here; fields are appended, never reordered, so that the text
// format keeps the lines tools already read.
#include "core/child_set.hpp"
#include "core/service.hpp"
#include "core/stream_session.hpp"

namespace superd::core {

bool Service::logs(int level) const { return level <= cfg_.log_level.value; }

void Service::slog(int level, const std::string& message) {
  if (level <= cfg_.log_level.value) ctx_.log.write(level, message);
}

double Service::limit_value(Refusal limit) const {
  switch (limit) {
    case Refusal::MaxPerSource: return cfg_.max_per_source;
    // Unset, it refuses nothing but UDP sessions, which have a default cap.
    case Refusal::MaxInstances: return cfg_.max_instances >= 0 ? cfg_.max_instances : kUdpSessionsDefaultMax;
    case Refusal::MaxConnections: return ctx_.global().max_connections;
    case Refusal::MaxRate: return cfg_.max_rate;
    case Refusal::Access:
    case Refusal::Proxy:
    case Refusal::Tls: break;
  }
  return -1;
}

void Service::log_pause(const ListenSocket& l, const char* limit, Refusal why) {
  if (!logs(log::kInfo)) return;
  double value = std::string_view(limit) == "max_rate" ? cfg_.max_rate : limit_value(why);
  log::Record r(log::kInfo, "pause");
  r.add("service", cfg_.name).add("reason", limit).add("endpoint", l.address);
  ctx_.log.write(r.add("limit", value));
}

// In the text format an access refusal keeps its old form, the rule as the
// reason ("reason=cidr_deny 10.0.0.0/8"); the structured formats say
// reason=access and give the rule in a field of its own. A limit's refusal
// names the limit and its value.
void Service::log_refusal(std::string_view peer, std::string_view endpoint, Refusal why,
                          std::string_view rule, std::string_view via) {
  log::Record r(log::kNotice, "refuse");
  r.add("service", cfg_.name).add("peer", peer);
  if (rule.empty()) {
    r.add("reason", refusal_name(why)).add("endpoint", endpoint).add("limit", limit_value(why));
  } else {
    r.add("reason", rule, log::Show::TextOnly)
        .add("reason", refusal_name(why), log::Show::StructuredOnly)
        .add("rule", rule, log::Show::StructuredOnly)
        .add("endpoint", endpoint);
  }
  if (!via.empty()) r.add("via", via);
  ctx_.log.write(r);
}

void Service::log_end(std::string_view peer, std::string_view endpoint, pid_t pid, int status,
                      double started, std::string_view via) {
  if (!logs(log::kNotice)) return;
  log::Record r(log::kNotice, "end");
  r.add("service", cfg_.name).add("peer", peer);
  r.add("pid", pid);
  std::string how = describe_status(status);  // short enough to need no allocation
  r.add("status", how).add_seconds("duration", now_seconds() - started).add("endpoint", endpoint);
  if (!via.empty()) r.add("via", via);
  ctx_.log.write(r);
}

void Service::log_end(const Peer& peer, const StreamSession& s) {
  if (!logs(log::kNotice)) return;
  log::Record r(log::kNotice, "end");
  r.add("service", cfg_.name).add("peer", peer.text).add("status", s.reason());
  r.add("bytes_in", s.bytes_in()).add("bytes_out", s.bytes_out());
  r.add_seconds("duration", now_seconds() - s.started()).add("endpoint", peer.endpoint);
  if (!peer.via.empty()) r.add("via", peer.via);
  if (s.dropped() > 0) r.add("dropped", s.dropped());  // slow_reader = drop
  ctx_.log.write(r);
}

}  // namespace superd::core
