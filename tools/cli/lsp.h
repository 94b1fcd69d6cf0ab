// `steward lsp`: a Language Server Protocol server (JSON-RPC over a byte stream) for policy
// packs and the agreements they decide. This first part publishes diagnostics as the author
// types (the compiler's, for `.policy` files and `pack.yaml`; an agreement's input errors and
// reasons at the lines they point at) and formats `.policy` files.
#pragma once

#include <istream>
#include <ostream>
#include <string>

namespace steward::cli {

struct LspOptions {
  // The pack agreements are decided against; "": the nearest directory above the agreement
  // holding a pack.yaml. A client may also name it in initializationOptions.policy.
  std::string pack;
};

// Serves one client until it sends `exit` or closes the stream. Returns 0 after
// shutdown-then-exit, 1 otherwise (as the protocol asks). A malformed message gets a JSON-RPC
// error, never a crash; a message over 64 MiB ends the session.
int run_lsp(std::istream& in, std::ostream& out, const LspOptions& options);

}  // namespace steward::cli
