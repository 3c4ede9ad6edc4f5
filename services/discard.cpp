// SPDX-License-Identifier: MIT
// Discard (RFC 863): reads and throws away; never answers.
#include "standard.hpp"

namespace superd::services {

Builtin discard() {
  return Builtin{"discard", "Reads and throws away everything (RFC 863).",
                 [] { return std::make_unique<StreamHandler>(); },
                 [](std::string_view, std::string&) { return false; },
                 {}};
}

}  // namespace superd::services
