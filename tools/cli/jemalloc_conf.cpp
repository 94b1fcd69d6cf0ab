// jemalloc's options for the steward executable, read by jemalloc before its first allocation,
// and allocator.h's change of them for the commands that run until stopped.
//
// Transparent huge pages for jemalloc's extents: compiling a 100,000-rule pack touches about a
// gigabyte of fresh memory, and on virtual machines each 4 KiB page fault is costly (perf put
// 16% of that compile in the kernel's fault path). With 2 MiB pages the compile took 30-40%
// less time (docs/performance.md).
//
// Freed pages are kept, not purged after jemalloc's usual ten seconds of decay: a compile frees
// each group's parse trees and each rule's checked trees as it goes, and purging them while it
// runs made the kernel zero the same memory again when it was reused (a third of a 100,000-rule
// compile was the kernel's clear_page; with no decay, half the page faults and 0.4 s of system
// time instead of up to 1.5 s). A one-shot command exits soon after; serve and lsp restore the
// decay at start (return_freed_memory_over_time). MALLOC_CONF in the environment still
// overrides all of this.
#include <jemalloc/jemalloc.h>
#include <sys/types.h>

#include <string>

#include "allocator.h"

extern "C" {
// NOLINTNEXTLINE: the name is jemalloc's contract
__attribute__((used)) const char* malloc_conf =
    "thp:always,metadata_thp:auto,dirty_decay_ms:-1,muzzy_decay_ms:-1";
}

namespace steward::cli {

void return_freed_memory_over_time() {
  // jemalloc 5.3's defaults: dirty pages purged over ten seconds, muzzy ones at once. For each
  // arena made so far (jemalloc takes no "all arenas" here) and for those made later by new
  // threads. An arena not yet made refuses the call, and a failure leaves memory kept, which
  // costs memory, never correctness.
  ssize_t dirty = 10000, muzzy = 0;
  unsigned arenas = 0;
  size_t size = sizeof arenas;
  if (mallctl("arenas.narenas", &arenas, &size, nullptr, 0) == 0) {
    for (unsigned i = 0; i < arenas; ++i) {
      const std::string arena = "arena." + std::to_string(i);
      mallctl((arena + ".dirty_decay_ms").c_str(), nullptr, nullptr, &dirty, sizeof dirty);
      mallctl((arena + ".muzzy_decay_ms").c_str(), nullptr, nullptr, &muzzy, sizeof muzzy);
    }
  }
  mallctl("arenas.dirty_decay_ms", nullptr, nullptr, &dirty, sizeof dirty);
  mallctl("arenas.muzzy_decay_ms", nullptr, nullptr, &muzzy, sizeof muzzy);
}

}  // namespace steward::cli
