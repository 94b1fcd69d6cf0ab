// The C API (steward/c_api.h) over the compiler and the evaluator. Every entry point catches
// everything: a C caller sees STEWARD_INTERNAL and a message, never an exception.
#include "steward/c_api.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "steward/bundle.h"
#include "steward/compiler.h"
#include "steward/date.h"
#include "steward/decision.h"
#include "steward/document.h"
#include "steward/evaluator.h"
#include "steward/scan.h"
#include "steward/table.h"

struct steward_pack {
  std::shared_ptr<const steward::CompiledPack> pack;
  std::unique_ptr<steward::Evaluator> evaluator;
};

namespace {

using Json = nlohmann::json;

// A copy the caller releases with steward_free (malloc'd, so free() is all it takes).
char* give(const std::string& s) {
  char* out = static_cast<char*>(std::malloc(s.size() + 1));
  if (!out) return nullptr;
  std::memcpy(out, s.data(), s.size());
  out[s.size()] = '\0';
  return out;
}

void set(char** out, const std::string& s) {
  if (out) *out = give(s);
}

std::string diagnostics_json(const steward::CompileResult& r) {
  Json list = Json::array();
  for (const auto& d : r.diagnostics.items()) {
    Json j = {{"severity", d.severity == steward::Severity::kError ? "error" : "warning"},
              {"code", d.code},
              {"message", d.message}};
    if (d.span.valid() && r.sources) {
      const steward::Position p = r.sources->position(d.span);
      j["file"] = r.sources->file(d.span.file).name();
      j["line"] = p.line;
      j["column"] = p.column;
    }
    if (!d.help.empty()) j["help"] = d.help;
    list.push_back(std::move(j));
  }
  return list.dump();
}

std::string internal_json(const char* what) {
  return Json::array({Json{{"severity", "error"}, {"code", "internal"}, {"message", what}}}).dump();
}

steward_result finish(steward::CompileResult r, steward_pack** out, char** diagnostics) {
  set(diagnostics, diagnostics_json(r));
  if (!r.ok()) return STEWARD_INVALID;
  auto* p = new steward_pack;
  p->pack = r.pack;
  p->evaluator = std::make_unique<steward::Evaluator>(r.pack);
  *out = p;
  return STEWARD_OK;
}

// Runs an entry point's body: an exception becomes STEWARD_INTERNAL with its message in `out`.
template <class F>
steward_result guarded(char** out, F&& body) {
  try {
    return body();
  } catch (const std::exception& e) {
    set(out, internal_json(e.what()));
  } catch (...) {
    set(out, internal_json("unknown failure"));
  }
  return STEWARD_INTERNAL;
}

// Input errors as the JSON array the scan and suppress calls return on refusal.
std::string errors_json(const std::vector<steward::InputError>& errors) {
  Json list = Json::array();
  for (const auto& e : errors)
    list.push_back(
        {{"code", e.code}, {"line", e.line}, {"column", e.column}, {"message", e.message}});
  return list.dump(2, ' ', false, Json::error_handler_t::replace);
}

// One agreement decided: STEWARD_OK with the decision document, or STEWARD_INVALID with the
// errors document (refused input, a bad option, an evaluation error). Throws on failure.
steward_result decide_one(const steward_pack& pack, std::string_view text,
                          const steward_eval_options* options, steward_outcome* outcome,
                          std::string* doc) {
  std::string file = "agreement";
  steward::DocumentFormat format = steward::DocumentFormat::kAuto;
  steward::EvaluationContext context;
  // Only the fields the caller's struct has: `size` says how far it reaches.
  auto has = [&](size_t offset) { return options && options->size > offset; };
  if (has(offsetof(steward_eval_options, file)) && options->file) file = options->file;
  if (has(offsetof(steward_eval_options, format)) && options->format) {
    const std::string f = options->format;
    if (f == "json") {
      format = steward::DocumentFormat::kJson;
    } else if (f == "yaml") {
      format = steward::DocumentFormat::kYaml;
    } else {
      *doc = steward::errors_to_json(
          file,
          {{"usage", "", 0, 0,
            fmt::format("unknown format `{}`: `yaml` or `json`", steward::escape_for_display(f))}});
      return STEWARD_INVALID;
    }
  }
  if (has(offsetof(steward_eval_options, as_of)) && options->as_of &&
      !steward::parse_iso_date(options->as_of, &context.as_of)) {
    *doc = steward::errors_to_json(
        file, {{"usage", "", 0, 0,
                fmt::format("`as_of` wants a calendar date YYYY-MM-DD, not `{}`",
                            steward::escape_for_display(options->as_of))}});
    return STEWARD_INVALID;
  }
  steward::LoadResult loaded = steward::load_document(*pack.pack, text, file, {}, format);
  if (!loaded.ok()) {
    *doc = steward::errors_to_json(file, loaded.errors);
    return STEWARD_INVALID;
  }
  try {
    steward::Decision d = pack.evaluator->evaluate(*loaded.document, context);
    *outcome = d.outcome == steward::Outcome::kAllow  ? STEWARD_ALLOW
               : d.outcome == steward::Outcome::kDeny ? STEWARD_DENY
                                                      : STEWARD_NEEDS_REVIEW;
    *doc = steward::to_json(d);
    return STEWARD_OK;
  } catch (const steward::EvaluationError& e) {
    *doc = steward::errors_to_json(file, {{e.code(), "", 0, 0, e.what()}});
    return STEWARD_INVALID;
  }
}

}  // namespace

extern "C" {

const char* steward_version(void) { return STEWARD_VERSION; }

int steward_api_version(void) { return STEWARD_C_API_VERSION; }

steward_result steward_pack_compile(const char* dir, const char* const* params, steward_pack** out,
                                    char** diagnostics) {
  if (diagnostics) *diagnostics = nullptr;
  if (!out || !dir) {
    set(diagnostics, internal_json("steward_pack_compile: `dir` and `out` must not be NULL"));
    return STEWARD_INVALID;
  }
  *out = nullptr;
  return guarded(diagnostics, [&] {
    steward::CompileOptions options;
    for (size_t i = 0; params && params[i]; ++i) {
      const std::string kv = params[i];
      const size_t eq = kv.find('=');
      if (eq == std::string::npos || eq == 0) {
        set(diagnostics,
            Json::array({Json{{"severity", "error"},
                              {"code", "usage"},
                              {"message", fmt::format("a parameter is `name=value`, "
                                                      "not `{}`",
                                                      steward::escape_for_display(kv))}}})
                .dump());
        return STEWARD_INVALID;
      }
      options.params[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    return finish(steward::compile_pack(dir, options), out, diagnostics);
  });
}

steward_result steward_pack_load_bundle(const char* bundle_text, size_t length,
                                        const char* const* trust_keys, steward_pack** out,
                                        char** diagnostics) {
  if (diagnostics) *diagnostics = nullptr;
  if (!out || (!bundle_text && length > 0)) {
    set(diagnostics, internal_json("steward_pack_load_bundle: `out` must not be NULL"));
    return STEWARD_INVALID;
  }
  *out = nullptr;
  return guarded(diagnostics, [&] {
    std::vector<std::string> keys;
    for (size_t i = 0; trust_keys && trust_keys[i]; ++i) keys.emplace_back(trust_keys[i]);
    return finish(
        steward::compile_bundle(std::string_view(bundle_text ? bundle_text : "", length), keys, {}),
        out, diagnostics);
  });
}

void steward_pack_free(steward_pack* pack) { delete pack; }

const char* steward_pack_digest(const steward_pack* pack) {
  return pack ? pack->pack->digest.c_str() : "";
}
const char* steward_pack_name(const steward_pack* pack) {
  return pack ? pack->pack->name.c_str() : "";
}
const char* steward_pack_version(const steward_pack* pack) {
  return pack ? pack->pack->version.c_str() : "";
}

steward_result steward_evaluate(const steward_pack* pack, const char* text, size_t length,
                                const steward_eval_options* options, steward_outcome* outcome,
                                char** json) {
  if (json) *json = nullptr;
  if (!pack || !outcome || (!text && length > 0)) {
    set(json, internal_json("steward_evaluate: `pack` and `outcome` must not be NULL"));
    return STEWARD_INVALID;
  }
  return guarded(json, [&] {
    std::string doc;
    const steward_result r =
        decide_one(*pack, std::string_view(text ? text : "", length), options, outcome, &doc);
    set(json, doc);
    return r;
  });
}

steward_result steward_evaluate_batch(const steward_pack* pack, const char* const* texts,
                                      const size_t* lengths, size_t count,
                                      const steward_eval_options* options, int threads,
                                      int* outcomes, char** json) {
  if (json) *json = nullptr;
  if (!pack || (count > 0 && (!texts || !lengths))) {
    set(json, internal_json("steward_evaluate_batch: `pack`, `texts` and `lengths` must not be "
                            "NULL"));
    return STEWARD_INVALID;
  }
  for (size_t i = 0; i < count; ++i) {
    if (!texts[i] && lengths[i] > 0) {
      set(json, internal_json("steward_evaluate_batch: a NULL text with a length"));
      return STEWARD_INVALID;
    }
  }
  return guarded(json, [&] {
    std::vector<std::string> docs(count);
    std::vector<steward_result> results(count, STEWARD_INTERNAL);
    std::vector<int> decided(count, -1);
    std::atomic<size_t> next{0};
    std::atomic<bool> failed{false};
    std::string failure;
    std::mutex failure_mu;
    auto work = [&] {
      for (size_t i; (i = next.fetch_add(1)) < count;) {
        try {
          steward_outcome o = STEWARD_DENY;
          results[i] = decide_one(*pack, std::string_view(texts[i] ? texts[i] : "", lengths[i]),
                                  options, &o, &docs[i]);
          if (results[i] == STEWARD_OK) decided[i] = static_cast<int>(o);
        } catch (const std::exception& e) {
          std::lock_guard<std::mutex> lock(failure_mu);
          failed = true;
          failure = e.what();
        }
      }
    };
    const size_t cores = std::max(1u, std::thread::hardware_concurrency());
    const size_t n = std::min(count, threads > 0 ? static_cast<size_t>(threads) : cores);
    std::vector<std::thread> pool;
    for (size_t t = 1; t < n; ++t) pool.emplace_back(work);
    work();
    for (auto& t : pool) t.join();
    if (failed) {
      set(json, internal_json(failure.c_str()));
      return STEWARD_INTERNAL;
    }
    size_t total = 2;
    for (const auto& d : docs) total += d.size() + 1;
    std::string out;
    out.reserve(total);
    out += '[';
    steward_result all = STEWARD_OK;
    for (size_t i = 0; i < count; ++i) {
      if (i) out += ',';
      out += docs[i];
      if (results[i] != STEWARD_OK) all = STEWARD_INVALID;
      if (outcomes) outcomes[i] = decided[i];
    }
    out += ']';
    set(json, out);
    return all;
  });
}

steward_result steward_scan(const steward_pack* pack, const char* text, size_t length,
                            const char* file, const char* format, char** json) {
  if (json) *json = nullptr;
  if (!pack || (!text && length > 0)) {
    set(json, internal_json("steward_scan: `pack` must not be NULL, nor `text` with a length"));
    return STEWARD_INVALID;
  }
  return guarded(json, [&] {
    const std::string name = file ? file : "data.csv";
    steward::ScanOptions options;
    options.format = steward::data_format_of(name);
    if (format && !steward::parse_data_format(format, &options.format)) {
      set(json, errors_json({{"usage", "", 0, 0,
                              fmt::format("unknown data format `{}`: csv, tsv or jsonl",
                                          steward::escape_for_display(format))}}));
      return STEWARD_INVALID;
    }
    std::istringstream in(std::string(text ? text : "", length));
    const steward::ScanReport report = steward::scan_data(*pack->pack, in, name, options);
    set(json, steward::scan_report_json(*pack->pack, report, 2));
    return report.errors.empty() ? STEWARD_OK : STEWARD_INVALID;
  });
}

steward_result steward_suppress(const steward_pack* pack, const char* text, size_t length,
                                const char* file, char** table, char** report) {
  if (table) *table = nullptr;
  if (report) *report = nullptr;
  if (!pack || !table || (!text && length > 0)) {
    set(report, internal_json("steward_suppress: `pack` and `table` must not be NULL"));
    return STEWARD_INVALID;
  }
  return guarded(report, [&] {
    const steward::CompiledPack& p = *pack->pack;
    const std::string name = file ? file : "table.csv";
    if (!p.tables.present) {
      set(report, errors_json({{"tables.no-plan", "", 0, 0,
                                fmt::format("pack `{}` has no table plan", p.name)}}));
      return STEWARD_INVALID;
    }
    std::istringstream in(std::string(text ? text : "", length));
    const steward::TableFormat format = steward::table_format_of(p.tables);
    steward::TableResult read = steward::read_table(in, name, format);
    if (!read.ok()) {
      set(report, errors_json(read.errors));
      return STEWARD_INVALID;
    }
    steward::SuppressResult r =
        steward::suppress_table(read.table, steward::suppress_rule_of(p.tables));
    if (!r.ok()) {
      set(report, errors_json({{"suppress.failed", "", 0, 0, r.error}}));
      return STEWARD_INVALID;
    }
    set(table, steward::write_table(r.table, format));
    set(report, steward::suppress_report_json(p, name, r));
    return STEWARD_OK;
  });
}

void steward_free(char* s) { std::free(s); }

}  // extern "C"
