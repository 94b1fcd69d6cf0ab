// Evaluating a compiled pack on a document: the flat plan, run once per decision.
#pragma once

#include <memory>
#include <vector>

#include "steward/decision.h"
#include "steward/document.h"
#include "steward/program.h"

namespace steward {

// Evaluates one compiled pack. Immutable after construction and safe to call from many
// threads at once; it keeps the pack alive.
class Evaluator {
 public:
  explicit Evaluator(std::shared_ptr<const CompiledPack> pack);

  // Decides on a document loaded against this evaluator's pack.
  Decision evaluate(const Document& doc) const;

  const CompiledPack& pack() const { return *pack_; }

 private:
  std::shared_ptr<const CompiledPack> pack_;
  std::vector<uint32_t> filter_slot_;  // per plan node: its buffer, for kFilter nodes
  uint32_t filter_count_ = 0;
};

}  // namespace steward
