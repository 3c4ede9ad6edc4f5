// SPDX-License-Identifier: MIT
// core/limits: the max_rate token bucket on an injected clock, per-source
// counters, and admit() for each Admission value.
#include "core/limits.hpp"

#include <boost/test/tools/floating_point_comparison.hpp>
#include <boost/test/unit_test.hpp>

using superd::core::Admission;
using superd::core::admit;
using superd::core::SourceCounter;
using superd::core::TokenBucket;

namespace tt = boost::test_tools;

BOOST_AUTO_TEST_SUITE(limits)

BOOST_AUTO_TEST_CASE(rate_two_gives_a_burst_of_two_then_empties) {
  TokenBucket b(2, 0);
  BOOST_TEST(!b.unlimited());
  BOOST_TEST(b.wait(0) == 0.0);
  BOOST_TEST(b.take(0));
  BOOST_TEST(b.take(0));
  BOOST_TEST(!b.take(0));
  BOOST_TEST(b.wait(0) == 0.5, tt::tolerance(1e-9));
}

BOOST_AUTO_TEST_CASE(tokens_refill_with_time) {
  TokenBucket b(2, 100);
  BOOST_TEST(b.take(100));
  BOOST_TEST(b.take(100));
  BOOST_TEST(b.wait(100.25) == 0.25, tt::tolerance(1e-9));
  BOOST_TEST(!b.take(100.25));
  BOOST_TEST(b.wait(100.25) == 0.25, tt::tolerance(1e-9));  // a refused take costs nothing
  BOOST_TEST(b.wait(100.5) == 0.0);
  BOOST_TEST(b.take(100.5));
  BOOST_TEST(!b.take(100.5));
}

BOOST_AUTO_TEST_CASE(refill_stops_at_capacity) {
  TokenBucket b(2, 0);
  BOOST_TEST(b.take(0));
  BOOST_TEST(b.take(0));
  // An hour idle refills the bucket to its capacity of 2, not 7200.
  BOOST_TEST(b.take(3600));
  BOOST_TEST(b.take(3600));
  BOOST_TEST(!b.take(3600));
}

BOOST_AUTO_TEST_CASE(slow_rate_has_capacity_one) {
  TokenBucket b(0.5, 0);
  BOOST_TEST(b.take(0));
  BOOST_TEST(!b.take(0));
  BOOST_TEST(b.wait(0) == 2.0, tt::tolerance(1e-9));
  BOOST_TEST(b.wait(1) == 1.0, tt::tolerance(1e-9));
  BOOST_TEST(!b.take(1));
  BOOST_TEST(b.take(2));
}

BOOST_AUTO_TEST_CASE(clock_going_back_adds_no_tokens) {
  TokenBucket b(1, 10);
  BOOST_TEST(b.take(10));
  BOOST_TEST(!b.take(5));
  BOOST_TEST(b.wait(5) == 1.0, tt::tolerance(1e-9));
  BOOST_TEST(!b.take(10.5));
  BOOST_TEST(b.take(11));
}

BOOST_AUTO_TEST_CASE(rate_zero_is_unlimited) {
  TokenBucket b;
  BOOST_TEST(b.unlimited());
  for (int i = 0; i < 1000; ++i) BOOST_TEST_REQUIRE(b.take(0));
  BOOST_TEST(b.wait(0) == 0.0);
  BOOST_TEST(TokenBucket(0, 5).unlimited());
  BOOST_TEST(TokenBucket(-1, 5).unlimited());
}

BOOST_AUTO_TEST_CASE(source_counter_counts_per_address) {
  SourceCounter c;
  BOOST_TEST(c.sources() == 0u);
  BOOST_TEST(c.count("10.0.0.1") == 0);
  BOOST_TEST(c.add("10.0.0.1") == 1);
  BOOST_TEST(c.add("10.0.0.1") == 2);
  BOOST_TEST(c.add("::1") == 1);
  BOOST_TEST(c.sources() == 2u);
  BOOST_TEST(c.count("10.0.0.1") == 2);
  c.remove("10.0.0.1");
  BOOST_TEST(c.count("10.0.0.1") == 1);
  c.remove("10.0.0.1");
  BOOST_TEST(c.count("10.0.0.1") == 0);
  BOOST_TEST(c.sources() == 1u);  // a source that reaches zero is forgotten
  c.remove("10.0.0.1");           // removing an unknown source is harmless
  c.remove("192.0.2.1");
  BOOST_TEST(c.count("10.0.0.1") == 0);
  BOOST_TEST(c.sources() == 1u);
  BOOST_TEST(c.add("10.0.0.1") == 1);
}

BOOST_AUTO_TEST_CASE(admit_accepts_within_limits) {
  TokenBucket open;
  BOOST_TEST((admit(0, -1, 0, -1, open, 0) == Admission::Accept));
  BOOST_TEST((admit(1000, -1, 5000, -1, open, 0) == Admission::Accept));
  BOOST_TEST((admit(4, 5, 9, 10, open, 0) == Admission::Accept));
}

BOOST_AUTO_TEST_CASE(admit_pauses_at_max_instances) {
  TokenBucket open;
  BOOST_TEST((admit(5, 5, 5, -1, open, 0) == Admission::PauseInstances));
  BOOST_TEST((admit(6, 5, 6, -1, open, 0) == Admission::PauseInstances));
  // max_instances = 0 pauses the service entirely.
  BOOST_TEST((admit(0, 0, 0, -1, open, 0) == Admission::PauseInstances));
}

BOOST_AUTO_TEST_CASE(admit_pauses_at_max_connections) {
  TokenBucket open;
  BOOST_TEST((admit(1, -1, 10, 10, open, 0) == Admission::PauseConnections));
  BOOST_TEST((admit(0, 5, 0, 0, open, 0) == Admission::PauseConnections));
  // The service's own limit is reported first.
  BOOST_TEST((admit(5, 5, 10, 10, open, 0) == Admission::PauseInstances));
}

BOOST_AUTO_TEST_CASE(admit_pauses_when_rate_is_spent) {
  TokenBucket b(1, 0);
  BOOST_TEST((admit(0, -1, 0, -1, b, 0) == Admission::Accept));
  BOOST_TEST(b.take(0));
  BOOST_TEST((admit(0, -1, 0, -1, b, 0.5) == Admission::PauseRate));
  BOOST_TEST((admit(0, -1, 0, -1, b, 1.0) == Admission::Accept));
  // Count limits come before the rate.
  BOOST_TEST((admit(1, 1, 0, -1, b, 0.5) == Admission::PauseInstances));
  BOOST_TEST((admit(0, -1, 3, 3, b, 0.5) == Admission::PauseConnections));
}

BOOST_AUTO_TEST_SUITE_END()
