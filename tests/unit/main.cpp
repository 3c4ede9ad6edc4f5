// SPDX-License-Identifier: MIT
#define BOOST_TEST_MODULE superd unit tests
#include <boost/test/unit_test.hpp>
