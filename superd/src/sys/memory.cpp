// SPDX-License-Identifier: MIT
#include "sys/memory.hpp"

#include <cstdlib>  // defines __GLIBC__ with the GNU C library
#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace superd::sys {

void release_free_memory() {
#if defined(__GLIBC__)
  // 0: keep no slack at the top; free pages in the middle are released too.
  ::malloc_trim(0);
#endif
}

}  // namespace superd::sys
