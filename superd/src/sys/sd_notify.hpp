// SPDX-License-Identifier: MIT
// sd_notify: tells a service manager (systemd, or a test harness) about
// readiness through the datagram socket named by $NOTIFY_SOCKET.
#pragma once

#include <string_view>

namespace superd::sys {

/// Sends `state` ("READY=1", "STOPPING=1") when $NOTIFY_SOCKET is set.
/// Returns false when it is set but the message could not be sent.
bool sd_notify(std::string_view state);

}  // namespace superd::sys
