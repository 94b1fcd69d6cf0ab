// libFuzzer target: bytes -> `steward lsp` as the stream a client sends. Any bytes must end in
// an exit status, never a crash or a hang, and every message the server writes must be framed
// (its Content-Length is its body's) and hold JSON-RPC 2.0.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "lsp.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  std::ostringstream out;
  steward::cli::run_lsp(in, out, {});
  const std::string written = out.str();
  size_t at = 0;
  while (at < written.size()) {
    const std::string prefix = "Content-Length: ";
    if (written.compare(at, prefix.size(), prefix) != 0) __builtin_trap();
    const size_t end = written.find("\r\n\r\n", at);
    if (end == std::string::npos) __builtin_trap();
    const size_t length = std::stoul(written.substr(at + prefix.size(), end - at - prefix.size()));
    if (end + 4 + length > written.size()) __builtin_trap();
    const auto message = nlohmann::json::parse(written.substr(end + 4, length), nullptr, false);
    if (!message.is_object() || message.value("jsonrpc", "") != "2.0") __builtin_trap();
    at = end + 4 + length;
  }
  return 0;
}
