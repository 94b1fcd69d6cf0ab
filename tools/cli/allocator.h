// allocator.h owns when the steward executable gives freed memory back to the system.
#pragma once

namespace steward::cli {

// For the commands that run until stopped (serve, lsp): freed memory goes back to the system
// over time again, as the allocator does by default. The one-shot commands keep it for reuse
// until they exit (jemalloc_conf.cpp says why). A no-op without jemalloc.
void return_freed_memory_over_time();

}  // namespace steward::cli
