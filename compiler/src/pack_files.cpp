// Confined reads of a pack's files (see pack_files.h).
#include "steward/pack_files.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace steward {

namespace fs = std::filesystem;

bool read_pack_file(const fs::path& root, const fs::path& relative, size_t max_bytes,
                    std::string* text, std::string* error) {
  if (relative.is_absolute()) {
    *error = "a pack's file must be named relative to the pack directory";
    return false;
  }
  std::error_code ec;
  const fs::path base = fs::canonical(root, ec);
  if (ec) {
    *error = fmt::format("cannot resolve the pack directory: {}", ec.message());
    return false;
  }
  const fs::path real = fs::canonical(root / relative, ec);
  if (ec) {
    *error = ec.message();
    std::transform(error->begin(), error->begin() + std::min<size_t>(1, error->size()),
                   error->begin(), [](unsigned char c) { return std::tolower(c); });
    return false;
  }
  // Component by component: `/packs/a` must not admit `/packs/ab/x`.
  auto [b, r] = std::mismatch(base.begin(), base.end(), real.begin(), real.end());
  if (b != base.end()) {
    *error = "it resolves to a file outside the pack directory";
    return false;
  }
  switch (read_regular_file(real, max_bytes, text, error)) {
    case ReadStatus::kOk:
      return true;
    case ReadStatus::kCannotOpen:
      return false;
    case ReadStatus::kDirectory:
    case ReadStatus::kNotRegular:
      *error = "it is not a regular file";
      return false;
    case ReadStatus::kTooLarge:
      *error = fmt::format("it is {} bytes; the limit is {} bytes", *error, max_bytes);
      return false;
    case ReadStatus::kChanged:
      *error = "it changed size while it was read";
      return false;
  }
  return false;
}

ReadStatus read_regular_file(const fs::path& path, size_t max_bytes, std::string* text,
                             std::string* error) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) {
    *error = std::strerror(errno);
    return ReadStatus::kCannotOpen;
  }
  struct Close {
    int fd;
    ~Close() { ::close(fd); }
  } close_fd{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    *error = std::strerror(errno);
    return ReadStatus::kCannotOpen;
  }
  if (S_ISDIR(st.st_mode)) return ReadStatus::kDirectory;
  if (!S_ISREG(st.st_mode)) return ReadStatus::kNotRegular;
  const size_t size = static_cast<size_t>(st.st_size);
  if (size > max_bytes) {
    *error = std::to_string(size);
    return ReadStatus::kTooLarge;
  }
  text->assign(size, '\0');
  size_t got = 0;
  while (got < size) {
    ssize_t n = ::read(fd, text->data() + got, size - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  char extra;
  if (got != size || ::read(fd, &extra, 1) > 0) return ReadStatus::kChanged;
  return ReadStatus::kOk;
}

}  // namespace steward
