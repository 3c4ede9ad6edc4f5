// SPDX-License-Identifier: MIT
// Giving freed heap memory back to the system. Loading a configuration and
// applying it allocate and free many small blocks (settings, the reload
// plan); free() keeps their pages, which in the middle of the heap stay
// resident for as long as superd runs.
#pragma once

namespace superd::sys {

/// Returns the whole free pages of the heap to the system (glibc's
/// malloc_trim); does nothing with another C library. Call after a
/// configuration is loaded and applied.
void release_free_memory();

}  // namespace superd::sys
