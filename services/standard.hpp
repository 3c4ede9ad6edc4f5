// SPDX-License-Identifier: MIT
// The standard built-ins, one RFC each; builtin_table.cpp lists them.
#pragma once

#include "superd/builtin.hpp"

namespace superd::services {

Builtin echo();     ///< RFC 862
Builtin discard();  ///< RFC 863
Builtin chargen();  ///< RFC 864
Builtin daytime();  ///< RFC 867
Builtin time();     ///< RFC 868

}  // namespace superd::services
