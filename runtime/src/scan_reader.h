// Streaming record readers for the data scanner (internal to the runtime): CSV per RFC 4180
// (any one-byte delimiter, UTF-8 with or without a byte order mark, CRLF or LF) and JSON Lines,
// one record at a time from a fixed buffer, so a file of any size is read in bounded memory.
#pragma once

#include <cstdint>
#include <istream>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "steward/document.h"
#include "steward/scan.h"

namespace steward::detail {

class RecordReader {
 public:
  virtual ~RecordReader() = default;
  // The next record: its fields (valid until the next call; one per column, "" for a column a
  // JSON line lacks) and the line it starts on. False at the end or on an error.
  virtual bool next(std::vector<std::string_view>* fields, uint64_t* line) = 0;
  // The column names: a CSV header, or the keys JSON lines have used so far, in first-seen order.
  const std::vector<std::string>& columns() const { return columns_; }
  // "sha256:<hex>" of the bytes read so far: of the whole file once next() returned false at
  // the end.
  virtual std::string digest() const = 0;
  // Set when next() stopped on an error rather than the end.
  const InputError* error() const { return failed_ ? &error_ : nullptr; }

 protected:
  void fail(std::string code, uint64_t line, uint64_t column, std::string message);

  std::vector<std::string> columns_;
  InputError error_;
  bool failed_ = false;
};

// A reader for `format` (kAuto reads CSV). A CSV reader reads the header here.
std::unique_ptr<RecordReader> make_reader(DataFormat format, std::istream& in,
                                          const ScanOptions& options);

}  // namespace steward::detail
