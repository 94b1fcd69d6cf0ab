// allocator.h without jemalloc (sanitizer and fuzz builds): the system allocator keeps its own
// policy, and there is nothing to change.
#include "allocator.h"

namespace steward::cli {

void return_freed_memory_over_time() {}

}  // namespace steward::cli
