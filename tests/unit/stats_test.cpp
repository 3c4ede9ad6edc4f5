// SPDX-License-Identifier: MIT
// core/stats: duration buckets, exit counts by code and signal, and the
// bounded per-source history that keeps the busiest sources.
#include "core/stats.hpp"

#include <signal.h>
#include <sys/wait.h>

#include <boost/test/unit_test.hpp>
#include <string>

using superd::core::DurationHistogram;
using superd::core::ExitCounts;
using superd::core::Refusal;
using superd::core::ServiceStats;
using superd::core::SourceHistory;

BOOST_AUTO_TEST_SUITE(stats)

BOOST_AUTO_TEST_CASE(durations_fall_in_the_first_bucket_that_holds_them) {
  DurationHistogram h;
  h.add(0.001);  // <= 0.005
  h.add(0.005);  // bounds are inclusive, as Prometheus' le
  h.add(0.3);    // <= 0.5
  h.add(5000);   // past every bound
  h.add(-1);     // a clock step back counts as 0
  BOOST_TEST(h.count() == 5u);
  BOOST_TEST(h.cumulative(0) == 3u);
  BOOST_TEST(h.cumulative(5) == 3u);  // <= 0.25
  BOOST_TEST(h.cumulative(6) == 4u);  // <= 0.5
  BOOST_TEST(h.cumulative(DurationHistogram::kBounds.size() - 1) == 4u);
  BOOST_TEST(h.cumulative(DurationHistogram::kBounds.size()) == 5u);
  BOOST_TEST(h.sum() > 5000.3);
  BOOST_TEST(h.sum() < 5000.31);
}

BOOST_AUTO_TEST_CASE(exits_are_counted_by_code_then_by_signal) {
  ExitCounts e;
  e.add(W_EXITCODE(0, 0));
  e.add(W_EXITCODE(3, 0));
  e.add(W_EXITCODE(0, 0));
  e.add(SIGKILL);  // a wait status for "killed by SIGKILL"
  auto v = e.entries();
  BOOST_TEST_REQUIRE(v.size() == 3u);
  BOOST_TEST(!v[0].signaled);
  BOOST_TEST(v[0].number == 0);
  BOOST_TEST(v[0].count == 2u);
  BOOST_TEST(v[1].number == 3);
  BOOST_TEST(v[2].signaled);
  BOOST_TEST(v[2].number == SIGKILL);
  BOOST_TEST(v[2].count == 1u);
}

BOOST_AUTO_TEST_CASE(refusals_add_to_their_reason_and_the_total) {
  ServiceStats s;
  s.refuse(Refusal::Access);
  s.refuse(Refusal::MaxPerSource);
  s.refuse(Refusal::Access);
  BOOST_TEST(s.refused == 3u);
  BOOST_TEST(s.refused_by[static_cast<int>(Refusal::Access)] == 2u);
  BOOST_TEST(s.refused_by[static_cast<int>(Refusal::MaxPerSource)] == 1u);
  BOOST_TEST(s.refused_by[static_cast<int>(Refusal::MaxInstances)] == 0u);
  BOOST_TEST(std::string(superd::core::refusal_name(Refusal::MaxConnections)) == "max_connections");
}

BOOST_AUTO_TEST_CASE(busiest_sources_come_first) {
  SourceHistory h;
  h.accepted("10.0.0.2");
  h.accepted("10.0.0.1");
  h.refused("10.0.0.1");
  h.accepted("10.0.0.3");
  auto top = h.busiest(2);
  BOOST_TEST_REQUIRE(top.size() == 2u);
  BOOST_TEST(top[0].first == "10.0.0.1");
  BOOST_TEST(top[0].second.accepted == 1u);
  BOOST_TEST(top[0].second.refused == 1u);
  BOOST_TEST(top[1].first == "10.0.0.2");  // ties by name
  BOOST_TEST(h.busiest(10).size() == 3u);
}

BOOST_AUTO_TEST_CASE(history_stays_bounded_and_keeps_the_busy_sources) {
  SourceHistory h;
  for (int i = 0; i < 5; ++i) h.accepted("busy");
  for (std::size_t i = 0; i < 3 * SourceHistory::kCapacity; ++i) h.accepted("s" + std::to_string(i));
  BOOST_TEST(h.size() <= SourceHistory::kCapacity);
  BOOST_TEST(h.forgotten() > 0u);
  auto top = h.busiest(1);
  BOOST_TEST_REQUIRE(top.size() == 1u);
  BOOST_TEST(top[0].first == "busy");
  BOOST_TEST(top[0].second.accepted == 5u);
}

BOOST_AUTO_TEST_SUITE_END()
