// SPDX-License-Identifier: MIT
#include "core/stats.hpp"

#include <sys/wait.h>

#include <algorithm>

namespace superd::core {

const char* refusal_name(Refusal r) {
  switch (r) {
    case Refusal::Access: return "access";
    case Refusal::MaxPerSource: return "max_per_source";
    case Refusal::MaxInstances: return "max_instances";
    case Refusal::MaxConnections: return "max_connections";
    case Refusal::Proxy: return "proxy";
    case Refusal::Tls: return "tls";
    case Refusal::MaxRate: return "max_rate";
  }
  return "unknown";
}

void DurationHistogram::add(double seconds) {
  if (seconds < 0) seconds = 0;
  std::size_t i = 0;
  while (i < kBounds.size() && seconds > kBounds[i]) ++i;
  ++buckets_[i];
  ++count_;
  sum_ += seconds;
}

std::uint64_t DurationHistogram::cumulative(std::size_t i) const {
  std::uint64_t n = 0;
  for (std::size_t j = 0; j <= i && j < buckets_.size(); ++j) n += buckets_[j];
  return n;
}

void ExitCounts::add(int st) {
  if (WIFEXITED(st)) ++counts_[WEXITSTATUS(st)];
  else if (WIFSIGNALED(st)) ++counts_[256 + WTERMSIG(st)];
}

std::vector<ExitCounts::Entry> ExitCounts::entries() const {
  std::vector<Entry> out;
  out.reserve(counts_.size());
  for (const auto& [key, n] : counts_) out.push_back({key >= 256, key >= 256 ? key - 256 : key, n});
  return out;
}

namespace {
bool busier(const std::pair<std::string, SourceHistory::Counts>& a,
            const std::pair<std::string, SourceHistory::Counts>& b) {
  if (a.second.total() != b.second.total()) return a.second.total() > b.second.total();
  return a.first < b.first;
}
}  // namespace

SourceHistory::Counts& SourceHistory::entry(const std::string& source) {
  auto it = counts_.find(source);
  if (it != counts_.end()) return it->second;
  if (counts_.size() >= kCapacity) {
    // Keep the busier half; a newcomer starts from zero beside them.
    std::vector<std::pair<std::string, Counts>> all(counts_.begin(), counts_.end());
    std::nth_element(all.begin(), all.begin() + kCapacity / 2, all.end(), busier);
    forgotten_ += all.size() - kCapacity / 2;
    counts_.clear();
    for (std::size_t i = 0; i < kCapacity / 2; ++i) counts_.emplace(std::move(all[i]));
  }
  return counts_[source];
}

std::vector<std::pair<std::string, SourceHistory::Counts>> SourceHistory::busiest(std::size_t n) const {
  std::vector<std::pair<std::string, Counts>> all(counts_.begin(), counts_.end());
  n = std::min(n, all.size());
  std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(n), all.end(), busier);
  all.resize(n);
  return all;
}

}  // namespace superd::core
