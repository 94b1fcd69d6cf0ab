// Bundles: one file that carries a pack (manifest, modules, parameter values) with digests,
// for `steward build` and for loading with `--bundle`.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "steward/compiler.h"

namespace steward {

// The bundle format this build writes and the only one it reads.
inline constexpr std::string_view kBundleFormat = "steward-bundle/1";

// A bundle as JSON text: the format version, the pack's name, version and digest, the
// parameter values it was built with, the manifest and module texts, and a sha256 over all of
// it. Fails (returns false, sets `error`) when the pack does not compile.
bool write_bundle(const PackSources& sources, const CompileOptions& options, std::string* out,
                  std::string* error);

// Reads a bundle and checks it: a known format version, the pack digest recomputed from the
// texts it carries, and its own sha256. On success fills `sources` and `options` (parameter
// values from the bundle, then `overrides`), ready for compile().
bool read_bundle(std::string_view text, PackSources* sources, CompileOptions* options,
                 std::string* error);

}  // namespace steward
