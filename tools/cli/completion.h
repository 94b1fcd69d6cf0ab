// Shell completion scripts generated from the command line's own definition.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace steward::cli {

// A bash completion script for `app` and every subcommand below it: subcommand names, each
// command's options, files for an option's value (directories for `--policy`). `app`'s name
// is the command completed.
std::string bash_completion(CLI::App& app);

}  // namespace steward::cli
