// The scratch the JSON and YAML fast paths keep per thread (fast_document.h).
#include "fast_document.h"

#include "kept_buffer.h"

namespace steward {

thread_local FastDocument::Scratch FastDocument::kept_scratch_;

FastDocument::Scratch* FastDocument::take_scratch() {
  if (kept_scratch_.busy) return new Scratch;
  kept_scratch_.busy = true;
  return &kept_scratch_;
}

void FastDocument::give_scratch(Scratch* s) {
  if (s != &kept_scratch_) {
    delete s;
    return;
  }
  // As the text buffers: a very large document does not hold its memory for the thread's life.
  detail::give_back_if_large(s->strings);
  detail::give_back_if_large(s->items);
  s->busy = false;
}

}  // namespace steward
