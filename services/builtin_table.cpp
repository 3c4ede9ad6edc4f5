// SPDX-License-Identifier: MIT
// The explicit table of standard built-ins (no static self-registration: the
// linker would drop unreferenced objects of a static library).
#include "standard.hpp"

namespace superd {

std::vector<Builtin> standard_builtins() {
  return {services::echo(), services::discard(), services::chargen(), services::daytime(),
          services::time()};
}

}  // namespace superd
