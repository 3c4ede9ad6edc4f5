// SPDX-License-Identifier: MIT
// core/lazy_timer: a timer made on first use behaves as a steady_timer:
// cancel() before any use does nothing, a set timer fires, a cancelled wait
// ends with operation_aborted, and setting it again cancels the pending wait.
#include "core/lazy_timer.hpp"

#include <boost/asio/error.hpp>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <vector>

using superd::core::LazyTimer;
using namespace std::chrono_literals;

namespace {

// Runs `io` until it has nothing left to do, bounded in time.
void run(boost::asio::io_context& io) {
  io.restart();
  io.run_for(5s);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(lazy_timer)

BOOST_AUTO_TEST_CASE(cancel_before_first_use_does_nothing) {
  boost::asio::io_context io;
  LazyTimer t(io);
  t.cancel();
  run(io);
  BOOST_TEST(io.stopped());
}

BOOST_AUTO_TEST_CASE(a_set_timer_fires_once) {
  boost::asio::io_context io;
  LazyTimer t(io);
  std::vector<boost::system::error_code> results;
  t.expires_after(1ms);
  t.async_wait([&](const boost::system::error_code& ec) { results.push_back(ec); });
  run(io);
  BOOST_REQUIRE(results.size() == 1u);
  BOOST_TEST(!results[0]);
}

BOOST_AUTO_TEST_CASE(cancel_ends_a_pending_wait_as_aborted) {
  boost::asio::io_context io;
  LazyTimer t(io);
  std::vector<boost::system::error_code> results;
  t.expires_after(1h);
  t.async_wait([&](const boost::system::error_code& ec) { results.push_back(ec); });
  t.cancel();
  run(io);
  BOOST_REQUIRE(results.size() == 1u);
  BOOST_TEST((results[0] == boost::asio::error::operation_aborted));
}

BOOST_AUTO_TEST_CASE(setting_it_again_aborts_the_pending_wait) {
  boost::asio::io_context io;
  LazyTimer t(io);
  std::vector<boost::system::error_code> results;
  t.expires_after(1h);
  t.async_wait([&](const boost::system::error_code& ec) { results.push_back(ec); });
  t.expires_after(1ms);
  t.async_wait([&](const boost::system::error_code& ec) { results.push_back(ec); });
  run(io);
  BOOST_REQUIRE(results.size() == 2u);
  BOOST_TEST((results[0] == boost::asio::error::operation_aborted));
  BOOST_TEST(!results[1]);
}

BOOST_AUTO_TEST_SUITE_END()
