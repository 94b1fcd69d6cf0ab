// kept_buffer.h owns the rule for byte buffers a thread keeps from one document to the next.
#pragma once

#include <cstddef>
#include <string>

namespace steward::detail {

// A kept buffer that grew past this is given back when its use ends: one very large document
// does not hold its memory for the thread's life.
inline constexpr size_t kKeptBufferMax = size_t{1} << 20;

// Whether `buf`'s capacity grew past kKeptBufferMax bytes; give_back_if_large gives such a
// buffer's memory back, and a smaller one is kept as it is. Any contiguous container: the strings
// and the item stacks threads keep alike.
template <typename Buffer>
inline bool too_large_to_keep(const Buffer& buf) {
  return buf.capacity() * sizeof(typename Buffer::value_type) > kKeptBufferMax;
}
template <typename Buffer>
inline void give_back_if_large(Buffer& buf) {
  if (too_large_to_keep(buf)) Buffer().swap(buf);
}

// One use of a thread-kept buffer: when it ends, however it ends, give_back_if_large(buf).
class KeptBufferUse {
 public:
  explicit KeptBufferUse(std::string& buf) : buf_(buf) {}
  ~KeptBufferUse() { give_back_if_large(buf_); }
  KeptBufferUse(const KeptBufferUse&) = delete;
  KeptBufferUse& operator=(const KeptBufferUse&) = delete;

 private:
  std::string& buf_;
};

}  // namespace steward::detail
