// Reading a pack's own files: only regular files inside the pack directory, size-limited, so a
// manifest cannot make steward read (and echo in a diagnostic) any other file of the machine.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>

namespace steward {

// The largest policy module, manifest or pack test file read (a 10,000-rule module is 2 MB).
inline constexpr size_t kMaxPackFileBytes = 8u << 20;

// How reading one file ended.
enum class ReadStatus { kOk, kCannotOpen, kDirectory, kNotRegular, kTooLarge, kChanged };

// Reads a regular file of at most `max_bytes` through one non-blocking descriptor: a FIFO or
// device is refused without waiting, the size is checked before reading, and a file that
// changes size while it is read is refused. `error` holds the system's reason for
// kCannotOpen, and the file's size for kTooLarge.
ReadStatus read_regular_file(const std::filesystem::path& path, size_t max_bytes, std::string* text,
                             std::string* error);

// Reads `root / relative` when that path resolves, symbolic links included, to a regular file
// inside `root` of at most `max_bytes`. A FIFO or device is refused without blocking. On
// failure returns false and sets `error` to a reason in lower case, without the file's text.
bool read_pack_file(const std::filesystem::path& root, const std::filesystem::path& relative,
                    size_t max_bytes, std::string* text, std::string* error);

}  // namespace steward
