// SPDX-License-Identifier: MIT
#include "sys/errno_error.hpp"

#include <cstring>

namespace superd::sys {

std::string describe(std::string_view call, std::string_view object, std::error_code ec) {
  std::string out(call);
  if (!object.empty()) {
    out += ' ';
    out += object;
  }
  out += ": ";
  out += ec.message();
  return out;
}

std::string describe_errno(std::string_view call, std::string_view object, int err) {
  return describe(call, object, std::error_code(err, std::generic_category()));
}

}  // namespace superd::sys
