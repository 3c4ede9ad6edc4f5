// SPDX-License-Identifier: MIT
// The superd daemon: a thin user of the library.
#include <exception>
#include <iostream>

#include "superd/inherited_fds.hpp"
#include "superd/server.hpp"

int main(int argc, char** argv) {
  // Here and not in Server::run: the daemon owns its process, while a program
  // embedding the library owns its descriptors.
  superd::close_inherited_fds();
  try {
    superd::Server server;
    return server.run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "superd: internal error: " << e.what() << "\n";
    return superd::kExitSystem;
  }
}
