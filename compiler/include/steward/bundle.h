// Bundles: one signed file that carries a pack (manifest, modules, parameter values) with its
// digests, for `steward build` and for loading with `--bundle` against a pinned public key.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "steward/compiler.h"
#include "steward/signing.h"

namespace steward {

// The bundle format this build writes and the only one it reads.
inline constexpr std::string_view kBundleFormat = "steward-bundle/2";

// A bundle as JSON text: the format version, the pack's name and version, its source digest
// and plan digest, the parameter values it was built with, the manifest and module texts under
// names relative to the pack directory (no path of the machine that built it), a sha256 over
// all of it, and an Ed25519 signature of that sha256 by `private_key_pem` (unsigned when it is
// empty; such a bundle cannot be loaded for evaluation). Fails when the pack does not compile.
bool write_bundle(const PackSources& sources, const CompileOptions& options,
                  std::string_view private_key_pem, std::string* out, std::string* error);

// Reads a bundle and checks, in order: valid JSON, the format version, its own sha256, a
// signature by one of `trusted_public_keys_pem` (required: an empty list refuses every
// bundle), and the source digest recomputed from the texts. On success fills `sources`,
// `options` (parameter values from the bundle, then `options->params` as overrides) and
// `plan_digest` (what compiling it must give when nothing is overridden).
bool read_bundle(std::string_view text, const std::vector<std::string>& trusted_public_keys_pem,
                 PackSources* sources, CompileOptions* options, std::string* plan_digest,
                 std::string* error);

// read_bundle, then compile(); with no parameter override the compiled plan must have the
// bundle's plan digest (another steward version that compiles it differently is refused).
// Errors are diagnostics `bundle.invalid` or the compiler's own.
CompileResult compile_bundle(std::string_view text,
                             const std::vector<std::string>& trusted_public_keys_pem,
                             const std::map<std::string, std::string>& params,
                             double max_cost = kDefaultMaxCost);

// read_bundle without the signature: for tools that inspect a bundle and for the fuzzer,
// never for deciding.
bool read_bundle_unverified(std::string_view text, PackSources* sources, CompileOptions* options,
                            std::string* plan_digest, std::string* error);

}  // namespace steward
