// SPDX-License-Identifier: MIT
// Runs one fuzz target over every file of a corpus directory, so that normal
// builds keep the targets compiling and the corpus passing:
//   superd_fuzz_replay_conf tests/fuzz/corpus/conf
#include <dirent.h>

#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "fuzz_target.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: " << argv[0] << " CORPUS_DIR\n";
    return 100;
  }
  DIR* d = ::opendir(argv[1]);
  if (!d) {
    std::cerr << argv[0] << ": cannot open " << argv[1] << "\n";
    return 1;
  }
  int n = 0;
  while (dirent* e = ::readdir(d)) {
    if (e->d_name[0] == '.') continue;
    std::ifstream in(std::string(argv[1]) + "/" + e->d_name, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    std::string bytes = s.str();
    LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
    ++n;
  }
  ::closedir(d);
  std::cout << "replayed " << n << " input(s) from " << argv[1] << "\n";
  return n > 0 ? 0 : 1;
}
