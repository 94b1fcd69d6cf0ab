// steward's benchmarks: evaluation only, the full path from text, compile time, and threads.
#include <benchmark/benchmark.h>
#include <malloc.h>
#include <simdjson.h>
#include <yaml.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "steward/compiler.h"
#include "steward/date.h"
#include "steward/evaluator.h"

namespace fs = std::filesystem;
using namespace steward;

namespace {

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string source(const std::string& rel) { return std::string(STEWARD_SOURCE_DIR) + "/" + rel; }

const std::shared_ptr<const CompiledPack>& dcf() {
  static std::shared_ptr<const CompiledPack> pack = [] {
    auto r = compile_pack(source("policies/dcf-5-4"));
    if (!r.ok()) std::abort();
    return r.pack;
  }();
  return pack;
}

// The date the examples were written for, so that every run decides them alike (their terms,
// approvals and expiry depend on it).
const EvaluationContext& context() {
  static const EvaluationContext c = [] {
    EvaluationContext x;
    parse_iso_date("2026-03-01", &x.as_of);
    return x;
  }();
  return c;
}

struct Example {
  std::string name;
  std::string yaml;
  std::string json;  // the same agreement as JSON
  std::shared_ptr<const Document> doc;
};

// Converts a YAML agreement to JSON through the loaded document's own view: the JSON text is
// generated from the example by a tiny emitter so both formats carry the same content.
std::vector<Example>& examples() {
  static std::vector<Example> all = [] {
    std::vector<Example> out;
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(source("policies/dcf-5-4/examples/agreements")))
      files.push_back(e.path());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      Example ex;
      ex.name = f.stem().string();
      ex.yaml = read_text(f);
      auto json_file = fs::path(source("bench/json")) / (ex.name + ".json");
      ex.json = read_text(json_file);
      auto loaded = load_document(*dcf(), ex.yaml, f.string());
      if (!loaded.ok()) std::abort();
      ex.doc = loaded.document;
      out.push_back(std::move(ex));
    }
    return out;
  }();
  return all;
}

// One unit of each measured piece of work, never inlined: bench/instructions.sh counts the
// instructions inside each of these under callgrind (`once_*`), where timing is too noisy.
// The number of once_* calls, printed at exit for that script (Google Benchmark prints only the
// final run's iterations, not the trial runs before it).
#define STEWARD_ONCE __attribute__((noinline))
size_t once_calls = 0;
struct PrintCalls {
  ~PrintCalls() {
    if (std::getenv("STEWARD_BENCH_CALLS")) std::fprintf(stderr, "once_calls=%zu\n", once_calls);
  }
} print_calls;

STEWARD_ONCE void once_evaluate(const Evaluator& ev, const Document& doc) {
  ++once_calls;
  benchmark::DoNotOptimize(ev.evaluate(doc, context()));
}

STEWARD_ONCE void once_evaluate_json(const Evaluator& ev, const Document& doc) {
  ++once_calls;
  benchmark::DoNotOptimize(to_json(ev.evaluate(doc, context())));
}

STEWARD_ONCE void once_load(const std::string& text, const char* name) {
  ++once_calls;
  benchmark::DoNotOptimize(load_document(*dcf(), text, name));
}

// As the service loads by default: approvals from the archive's review records (here none, as
// for an agreement no reviewer has judged yet), which the fast paths do not take.
STEWARD_ONCE void once_load_reviewed(const std::string& text, const char* name) {
  ++once_calls;
  static const std::vector<ApprovalEvidence> kNoRecords;
  benchmark::DoNotOptimize(
      load_document(*dcf(), text, name, {}, DocumentFormat::kAuto, nullptr, &kNoRecords));
}

STEWARD_ONCE void once_full_path(const Evaluator& ev, const std::string& text, const char* name) {
  ++once_calls;
  auto loaded = load_document(*dcf(), text, name);
  benchmark::DoNotOptimize(to_json(ev.evaluate(*loaded.document, context())));
}

// The floors: what reading the same text costs at the least, so every figure can be given as
// a ratio to them (issue 21). simdjson On-Demand touching every key and value (strings
// unescaped, numbers parsed); libyaml's event parser producing every event and nothing else;
// copying the bytes once.
size_t walk(simdjson::ondemand::value v) {
  size_t n = 1;
  switch (v.type().value_unsafe()) {
    case simdjson::ondemand::json_type::object:
      for (auto field : v.get_object().value_unsafe()) {
        benchmark::DoNotOptimize(field.unescaped_key().value_unsafe());
        n += walk(field.value().value_unsafe());
      }
      break;
    case simdjson::ondemand::json_type::array:
      for (auto item : v.get_array().value_unsafe()) n += walk(item.value_unsafe());
      break;
    case simdjson::ondemand::json_type::string:
      benchmark::DoNotOptimize(v.get_string().value_unsafe());
      break;
    case simdjson::ondemand::json_type::number:
      benchmark::DoNotOptimize(v.get_double().value_unsafe());
      break;
    case simdjson::ondemand::json_type::boolean:
      benchmark::DoNotOptimize(v.get_bool().value_unsafe());
      break;
    default:
      break;
  }
  return n;
}

STEWARD_ONCE void once_floor_simdjson(simdjson::ondemand::parser& parser,
                                      simdjson::padded_string& text) {
  ++once_calls;
  auto doc = parser.iterate(text).value_unsafe();
  benchmark::DoNotOptimize(walk(doc.get_value().value_unsafe()));
}

STEWARD_ONCE void once_floor_libyaml(const std::string& text) {
  ++once_calls;
  yaml_parser_t parser;
  yaml_parser_initialize(&parser);
  yaml_parser_set_input_string(&parser, reinterpret_cast<const unsigned char*>(text.data()),
                               text.size());
  size_t events = 0;
  for (bool done = false; !done;) {
    yaml_event_t event;
    if (!yaml_parser_parse(&parser, &event)) break;
    done = event.type == YAML_STREAM_END_EVENT;
    yaml_event_delete(&event);
    ++events;
  }
  yaml_parser_delete(&parser);
  benchmark::DoNotOptimize(events);
}

STEWARD_ONCE void once_floor_memcpy(std::string& copy, const std::string& text) {
  ++once_calls;
  std::memcpy(copy.data(), text.data(), text.size());
  benchmark::ClobberMemory();
}

// Evaluation only: the document is loaded; a decision with its reasons is built.
void BM_Evaluate(benchmark::State& state) {
  const Example& ex = examples()[state.range(0)];
  Evaluator ev(dcf());
  for (auto _ : state) once_evaluate(ev, *ex.doc);
  state.SetLabel(ex.name);
}

// Evaluation and the decision JSON document.
void BM_EvaluateJson(benchmark::State& state) {
  const Example& ex = examples()[state.range(0)];
  Evaluator ev(dcf());
  for (auto _ : state) once_evaluate_json(ev, *ex.doc);
  state.SetLabel(ex.name);
}

// The full path: text -> validated document -> decision -> JSON.
void BM_FullPathYaml(benchmark::State& state) {
  const Example& ex = examples()[state.range(0)];
  Evaluator ev(dcf());
  for (auto _ : state) once_full_path(ev, ex.yaml, "a.yaml");
  state.SetLabel(ex.name);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * ex.yaml.size()));
}

void BM_FullPathJson(benchmark::State& state) {
  const Example& ex = examples()[state.range(0)];
  Evaluator ev(dcf());
  for (auto _ : state) once_full_path(ev, ex.json, "a.json");
  state.SetLabel(ex.name);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * ex.json.size()));
}

// Loading only: text -> validated document.
void BM_LoadYaml(benchmark::State& state) {
  const Example& ex = examples()[state.range(0)];
  for (auto _ : state) once_load(ex.yaml, "a.yaml");
  state.SetLabel(ex.name);
}

void BM_LoadJson(benchmark::State& state) {
  const Example& ex = examples()[state.range(0)];
  for (auto _ : state) once_load(ex.json, "a.json");
  state.SetLabel(ex.name);
}

void BM_LoadJsonReviewed(benchmark::State& state) {
  const Example& ex = examples()[state.range(0)];
  for (auto _ : state) once_load_reviewed(ex.json, "a.json");
  state.SetLabel(ex.name);
}

// The floors (see once_floor_*).
void BM_FloorSimdjson(benchmark::State& state) {
  const Example& ex = examples()[state.range(0)];
  simdjson::ondemand::parser parser;
  simdjson::padded_string text(ex.json);
  for (auto _ : state) once_floor_simdjson(parser, text);
  state.SetLabel(ex.name);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * ex.json.size()));
}

void BM_FloorLibyaml(benchmark::State& state) {
  const Example& ex = examples()[state.range(0)];
  for (auto _ : state) once_floor_libyaml(ex.yaml);
  state.SetLabel(ex.name);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * ex.yaml.size()));
}

void BM_FloorMemcpy(benchmark::State& state) {
  const Example& ex = examples()[state.range(0)];
  std::string copy(ex.json.size(), '\0');
  for (auto _ : state) once_floor_memcpy(copy, ex.json);
  state.SetLabel(ex.name);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * ex.json.size()));
}

// Many threads deciding on one compiled pack (documents preloaded).
void BM_EvaluateThreads(benchmark::State& state) {
  static Evaluator ev(dcf());
  auto& all = examples();
  size_t i = static_cast<size_t>(state.thread_index());
  for (auto _ : state) {
    benchmark::DoNotOptimize(ev.evaluate(*all[i % all.size()].doc, context()));
    ++i;
  }
  state.SetItemsProcessed(state.iterations());
}

// The heap a compiled DCF pack keeps (sources, AST and diagnostics are freed with the result).
void BM_PackMemory(benchmark::State& state) {
  for (auto _ : state) {
    size_t before = mallinfo2().uordblks;
    std::shared_ptr<const CompiledPack> pack;
    {
      auto r = compile_pack(source("policies/dcf-5-4"));
      pack = r.pack;
    }
    size_t after = mallinfo2().uordblks;
    state.counters["pack_bytes"] = static_cast<double>(after - before);
    benchmark::DoNotOptimize(pack);
  }
}

// Compiling generated packs of N rules (bench/gen_pack.py writes them to $STEWARD_BENCH_PACKS).
void BM_Compile(benchmark::State& state) {
  const char* dir = std::getenv("STEWARD_BENCH_PACKS");
  if (!dir) {
    state.SkipWithError("set STEWARD_BENCH_PACKS to the directory bench/gen_pack.py wrote");
    return;
  }
  fs::path pack = fs::path(dir) / ("rules-" + std::to_string(state.range(0)));
  Diagnostics d;
  PackSources src = read_pack(pack, d);
  if (d.has_errors()) {
    state.SkipWithError("generated pack missing");
    return;
  }
  for (auto _ : state) {
    auto r = compile(src);
    if (!r.ok()) state.SkipWithError("generated pack does not compile");
    benchmark::DoNotOptimize(r.pack);
  }
  state.SetComplexityN(state.range(0));
}

}  // namespace

BENCHMARK(BM_Evaluate)->DenseRange(0, 31)->Unit(benchmark::kNanosecond);
BENCHMARK(BM_EvaluateJson)->DenseRange(0, 31, 5)->Unit(benchmark::kNanosecond);
BENCHMARK(BM_FullPathYaml)->DenseRange(0, 31)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_FullPathJson)->DenseRange(0, 31)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_LoadYaml)->DenseRange(0, 31, 15)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_LoadJson)->DenseRange(0, 31, 15)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_LoadJsonReviewed)->DenseRange(0, 31, 15)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_FloorSimdjson)->DenseRange(0, 31)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_FloorLibyaml)->DenseRange(0, 31)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_FloorMemcpy)->DenseRange(0, 31, 15)->Unit(benchmark::kNanosecond);
BENCHMARK(BM_EvaluateThreads)->ThreadRange(1, 2)->UseRealTime()->Unit(benchmark::kNanosecond);
BENCHMARK(BM_PackMemory)->Iterations(3)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Compile)
    ->RangeMultiplier(10)
    ->Range(10, 100000)
    ->Unit(benchmark::kMillisecond)
    ->Complexity();

BENCHMARK_MAIN();
