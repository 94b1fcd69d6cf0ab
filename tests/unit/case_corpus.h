// The language-neutral case corpus (tests/cases/*.yaml): pack + agreement + expected decision,
// run through the library (cases_test) and the CLI (cli_test).
#pragma once

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "test_support.h"

namespace steward::testing {

struct Case {
  std::string file;  // corpus file
  std::string name;
  std::string pack;  // relative to the source dir
  std::map<std::string, std::string> params;
  std::string agreement;  // the text to evaluate
  std::string extension = ".yaml";
  std::string want_decision;  // allow | deny | needs_review | error
  std::set<std::string> want_deny, want_review, want_reviewers;
  std::vector<std::string> want_rules;  // each must fire
  struct WantError {
    std::string code, path;
    uint32_t line = 0, column = 0;
  };
  std::vector<WantError> want_errors;
  int want_exit() const {
    return want_decision == "allow"          ? 0
           : want_decision == "deny"         ? 1
           : want_decision == "needs_review" ? 3
                                             : 2;
  }
};

// Applies `set` (dotted path -> YAML value) and `remove` (dotted paths) to a base agreement.
inline void patch(YAML::Node root, const YAML::Node& set, const YAML::Node& remove) {
  auto walk = [&](const std::string& path, bool create) -> std::pair<YAML::Node, std::string> {
    YAML::Node cur = root;
    size_t start = 0;
    while (true) {
      size_t dot = path.find('.', start);
      std::string key =
          path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
      if (dot == std::string::npos) return {cur, key};
      bool index = !key.empty() && std::all_of(key.begin(), key.end(), ::isdigit);
      YAML::Node next = index ? cur[std::stoi(key)] : cur[key];
      if (!next.IsDefined() || next.IsNull()) {
        if (!create) return {YAML::Node(), key};
        cur[key] = YAML::Node(YAML::NodeType::Map);
        next = cur[key];
      }
      cur.reset(next);
      start = dot + 1;
    }
  };
  if (set) {
    for (auto it = set.begin(); it != set.end(); ++it) {
      auto [parent, key] = walk(it->first.Scalar(), true);
      bool index = !key.empty() && std::all_of(key.begin(), key.end(), ::isdigit);
      if (index)
        parent[std::stoi(key)] = it->second;
      else
        parent[key] = it->second;
    }
  }
  if (remove) {
    for (const auto& r : remove) {
      auto [parent, key] = walk(r.Scalar(), false);
      if (parent.IsDefined() && parent.IsMap())
        parent.remove(key);
      else if (parent.IsDefined() && parent.IsSequence())
        parent.remove(std::stoi(key));
    }
  }
}

inline std::set<std::string> string_set(const YAML::Node& n) {
  std::set<std::string> out;
  if (n && n.IsSequence())
    for (const auto& x : n) out.insert(x.Scalar());
  return out;
}

inline std::vector<Case> load_cases() {
  namespace fs = std::filesystem;
  std::vector<Case> out;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(fs::path(source_dir()) / "tests/cases")) {
    if (e.path().extension() == ".yaml") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    YAML::Node doc = YAML::LoadFile(f.string());
    for (const auto& c : doc["cases"]) {
      Case k;
      k.file = f.filename().string();
      k.name = c["name"].Scalar();
      k.pack = c["pack"] ? c["pack"].Scalar() : doc["pack"].Scalar();
      YAML::Node base_params = doc["params"];
      for (const auto* pn : {&base_params}) {
        if (*pn && pn->IsMap())
          for (auto it = pn->begin(); it != pn->end(); ++it)
            k.params[it->first.Scalar()] = it->second.Scalar();
      }
      if (c["params"])
        for (auto it = c["params"].begin(); it != c["params"].end(); ++it)
          k.params[it->first.Scalar()] = it->second.Scalar();
      if (c["agreement"]) {
        k.agreement = c["agreement"].Scalar();
      } else {
        std::string base = c["base"] ? c["base"].Scalar() : doc["base"].Scalar();
        YAML::Node root = YAML::LoadFile((fs::path(source_dir()) / base).string());
        patch(root, c["set"], c["remove"]);
        YAML::Emitter em;
        em << root;
        k.agreement = em.c_str();
        k.agreement += "\n";
      }
      if (c["extension"]) k.extension = c["extension"].Scalar();
      const YAML::Node& w = c["want"];
      k.want_decision = w["decision"].Scalar();
      k.want_deny = string_set(w["deny"]);
      k.want_review = string_set(w["needs_review"]);
      k.want_reviewers = string_set(w["reviewers"]);
      if (w["rules"])
        for (const auto& r : w["rules"]) k.want_rules.push_back(r.Scalar());
      if (w["errors"]) {
        for (const auto& e : w["errors"]) {
          Case::WantError we;
          we.code = e["code"].Scalar();
          if (e["path"]) we.path = e["path"].Scalar();
          if (e["line"]) we.line = e["line"].as<uint32_t>();
          if (e["column"]) we.column = e["column"].as<uint32_t>();
          k.want_errors.push_back(we);
        }
      }
      out.push_back(std::move(k));
    }
  }
  return out;
}

}  // namespace steward::testing
