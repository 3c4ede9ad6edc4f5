// SPDX-License-Identifier: MIT
// The superd daemon: a thin user of the library.
#include <exception>
#include <iostream>

#include "superd/server.hpp"

int main(int argc, char** argv) {
  try {
    superd::Server server;
    return server.run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "superd: internal error: " << e.what() << "\n";
    return superd::kExitSystem;
  }
}
