// SPDX-License-Identifier: MIT
#include "core/limits.hpp"

#include <algorithm>

namespace superd::core {

TokenBucket::TokenBucket(double rate, double now)
    : rate_(rate), capacity_(std::max(1.0, rate)), tokens_(capacity_), last_(now) {}

void TokenBucket::refill(double now) {
  if (now > last_) tokens_ = std::min(capacity_, tokens_ + (now - last_) * rate_);
  last_ = std::max(last_, now);
}

bool TokenBucket::take(double now) {
  if (unlimited()) return true;
  refill(now);
  if (tokens_ < 1) return false;
  tokens_ -= 1;
  return true;
}

double TokenBucket::wait(double now) const {
  if (unlimited()) return 0;
  double tokens = std::min(capacity_, tokens_ + std::max(0.0, now - last_) * rate_);
  return tokens >= 1 ? 0 : (1 - tokens) / rate_;
}

void SourceCounter::remove(const std::string& source) {
  auto it = counts_.find(source);
  if (it != counts_.end() && --it->second <= 0) counts_.erase(it);
}

Admission admit(int active, int max_instances, int total_active, int max_connections,
                const TokenBucket& bucket, double now) {
  if (max_instances >= 0 && active >= max_instances) return Admission::PauseInstances;
  if (max_connections >= 0 && total_active >= max_connections) return Admission::PauseConnections;
  if (bucket.wait(now) > 0) return Admission::PauseRate;
  return Admission::Accept;
}

}  // namespace superd::core
