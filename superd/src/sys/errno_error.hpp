// SPDX-License-Identifier: MIT
// The one format for failed system calls: "<syscall> <object>: <strerror>",
// e.g. "bind 127.0.0.1:7/tcp: Address already in use".
#pragma once

#include <string>
#include <string_view>
#include <system_error>

namespace superd::sys {

/// "<call> <object>: <reason>" for an error code.
std::string describe(std::string_view call, std::string_view object, std::error_code ec);

/// The same for a raw errno value.
std::string describe_errno(std::string_view call, std::string_view object, int err);

/// std::error_code for the current errno.
inline std::error_code last_error() { return {errno, std::generic_category()}; }

}  // namespace superd::sys
