// SPDX-License-Identifier: MIT
// The message hub (builtin = hub): clients of one service talk to each
// other through superd. With the line protocol and no handler it is a chat
// (each line goes to every other client, "@ID text" to one); with
// hub_handler a program decides where each line goes; with the JSON
// protocol clients register ids and address each other by them.
// superd.conf(5), MESSAGE HUB, is the protocol's reference.
#pragma once

#include <memory>

#include "core/context.hpp"
#include "superd/builtin.hpp"

namespace superd::core {

class ServiceRuntime;

/// Makes the hub of the service `rt` serves, configured by rt.config().
std::unique_ptr<ServiceHandler> make_hub(Context& ctx, ServiceRuntime& rt);

/// The `hub` entry of the built-in table: a service-wide stream built-in
/// that the Service makes itself with make_hub() (its make_service is never asked).
Builtin hub_builtin();

}  // namespace superd::core
