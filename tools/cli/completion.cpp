// Shell completion written from the CLI's own definition (`steward completion bash`), so that
// the Debian package's completions never fall behind the commands and options.
#include "completion.h"

#include <fmt/format.h>

#include <string>
#include <utility>
#include <vector>

namespace steward::cli {
namespace {

struct Level {
  std::string path;  // "steward eval", "steward verify compare"
  std::vector<std::string> subcommands;
  std::vector<std::string> options;      // every spelling, "-p" and "--policy"
  std::vector<std::string> with_value;   // the spellings that take a value
  std::vector<std::string> directories;  // the spellings whose value is a directory
  std::vector<std::pair<std::string, std::string>> choices;  // spelling, "a b c"
};

// The values an option accepts when it names them (`TEXT:{text,json}` in CLI11's help).
std::string choices_of(const CLI::Option* opt) {
  const std::string type = opt->get_type_name();
  const size_t open = type.find(":{"), close = type.rfind('}');
  if (open == std::string::npos || close == std::string::npos || close < open) return "";
  std::string list = type.substr(open + 2, close - open - 2);
  for (char& c : list)
    if (c == ',') c = ' ';
  return list;
}

void collect(CLI::App* app, const std::string& path, std::vector<Level>* out) {
  Level level;
  level.path = path;
  for (CLI::App* sub : app->get_subcommands([](CLI::App*) { return true; })) {
    level.subcommands.push_back(sub->get_name());
  }
  for (const CLI::Option* opt : app->get_options()) {
    if (opt->get_positional()) continue;
    std::vector<std::string> names;
    for (const std::string& s : opt->get_snames()) names.push_back("-" + s);
    for (const std::string& l : opt->get_lnames()) names.push_back("--" + l);
    // Flags expect no value (CLI11: expected_max 0); options at least one.
    const bool value = opt->get_expected_max() > 0;
    // Packs are directories; every other value is a file or free text, completed as a file.
    const bool directory = opt->check_lname("policy");
    for (const std::string& n : names) {
      level.options.push_back(n);
      if (value) level.with_value.push_back(n);
      if (value && directory) level.directories.push_back(n);
      if (value && !choices_of(opt).empty()) level.choices.emplace_back(n, choices_of(opt));
    }
  }
  out->push_back(level);
  for (CLI::App* sub : app->get_subcommands([](CLI::App*) { return true; })) {
    collect(sub, path + " " + sub->get_name(), out);
  }
}

std::string words(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& w : v) s += (s.empty() ? "" : " ") + w;
  return s;
}

}  // namespace

std::string bash_completion(CLI::App& app) {
  std::vector<Level> levels;
  collect(&app, app.get_name(), &levels);
  std::string cases, choice_cases;
  for (const Level& l : levels) {
    for (const auto& [name, values] : l.choices)
      choice_cases += fmt::format("    \"{} {}\") choices=\"{}\" ;;\n", l.path, name, values);
    cases += fmt::format(
        "    \"{}\")\n      subs=\"{}\"\n      opts=\"{}\"\n      valued=\" {} \"\n      dirs=\" "
        "{} "
        "\"\n      ;;\n",
        l.path, words(l.subcommands), words(l.options), words(l.with_value), words(l.directories));
  }
  // The command path is the leading words that name subcommands; an option's value is a file
  // (or a directory for --policy); otherwise options after `-`, subcommands and files.
  return fmt::format(R"(# bash completion for {0}, written by `{0} completion bash`
_{0}() {{
  local cur prev path subs opts valued dirs choices i w
  cur="${{COMP_WORDS[COMP_CWORD]}}"
  prev=""
  [ "$COMP_CWORD" -gt 0 ] && prev="${{COMP_WORDS[COMP_CWORD-1]}}"
  path="{0}"
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="${{COMP_WORDS[i]}}"
    _{0}_level "$path"
    case " $subs " in
      *" $w "*) path="$path $w" ;;
    esac
  done
  _{0}_level "$path"
  choices=""
  case "$path $prev" in
{2}  esac
  if [ -n "$choices" ]; then
    COMPREPLY=($(compgen -W "$choices" -- "$cur"))
    return
  fi
  if [[ " $dirs " == *" $prev "* ]]; then
    COMPREPLY=($(compgen -d -- "$cur"))
    return
  fi
  if [[ -n "$prev" && " $valued " == *" $prev "* ]]; then
    COMPREPLY=($(compgen -f -- "$cur"))
    return
  fi
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
  elif [ -n "$subs" ]; then
    COMPREPLY=($(compgen -W "$subs" -- "$cur"))
  else
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
}}
_{0}_level() {{
  subs=""
  opts=""
  valued=""
  dirs=""
  case "$1" in
{1}  esac
}}
complete -o filenames -F _{0} {0}
)",
                     app.get_name(), cases, choice_cases);
}

}  // namespace steward::cli
