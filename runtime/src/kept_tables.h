// kept_tables.h owns the tables a destroyed document leaves to its thread's next load.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "steward/document.h"

namespace steward::detail {

// A document's node, child and string tables and its newline index, by capacity: a 2 KB
// agreement's node table alone is 9 KB, past what glibc's per-thread cache serves, and making
// and freeing the four cost about 800 instructions a load (issue 21).
struct DocumentTables {
  std::vector<DocNode> nodes;
  std::vector<uint32_t> children;
  std::string strings;
  std::vector<NewlineWord> newlines;
};

// Keeps `t`'s buffers for this thread's next take_tables, emptied, if it keeps none yet, `t`
// has a node table and none of them grew past kKeptBufferMax bytes; otherwise they are freed
// as usual. Safe to call
// while the thread exits (the tables are then freed).
void keep_tables(DocumentTables&& t);

// Moves the kept buffers, emptied, into `t` (whose own are empty), if this thread keeps some.
void take_tables(DocumentTables& t);

}  // namespace steward::detail
