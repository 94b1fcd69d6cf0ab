// steward's benchmarks: evaluation only, the full path from text, compile time, and threads.
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <cstdlib>
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

// Evaluation only: the document is loaded; a decision with its reasons is built.
void BM_Evaluate(benchmark::State& state) {
  const Example& ex = examples()[state.range(0)];
  Evaluator ev(dcf());
  for (auto _ : state) benchmark::DoNotOptimize(ev.evaluate(*ex.doc, context()));
  state.SetLabel(ex.name);
}

// Evaluation and the decision JSON document.
void BM_EvaluateJson(benchmark::State& state) {
  const Example& ex = examples()[state.range(0)];
  Evaluator ev(dcf());
  for (auto _ : state) benchmark::DoNotOptimize(to_json(ev.evaluate(*ex.doc, context())));
  state.SetLabel(ex.name);
}

// The full path: text -> validated document -> decision -> JSON.
void BM_FullPathYaml(benchmark::State& state) {
  const Example& ex = examples()[state.range(0)];
  Evaluator ev(dcf());
  for (auto _ : state) {
    auto loaded = load_document(*dcf(), ex.yaml, "a.yaml");
    benchmark::DoNotOptimize(to_json(ev.evaluate(*loaded.document, context())));
  }
  state.SetLabel(ex.name);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * ex.yaml.size()));
}

void BM_FullPathJson(benchmark::State& state) {
  const Example& ex = examples()[state.range(0)];
  Evaluator ev(dcf());
  for (auto _ : state) {
    auto loaded = load_document(*dcf(), ex.json, "a.json");
    benchmark::DoNotOptimize(to_json(ev.evaluate(*loaded.document, context())));
  }
  state.SetLabel(ex.name);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * ex.json.size()));
}

// Loading only: text -> validated document.
void BM_LoadYaml(benchmark::State& state) {
  const Example& ex = examples()[state.range(0)];
  for (auto _ : state) benchmark::DoNotOptimize(load_document(*dcf(), ex.yaml, "a.yaml"));
  state.SetLabel(ex.name);
}

void BM_LoadJson(benchmark::State& state) {
  const Example& ex = examples()[state.range(0)];
  for (auto _ : state) benchmark::DoNotOptimize(load_document(*dcf(), ex.json, "a.json"));
  state.SetLabel(ex.name);
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
BENCHMARK(BM_EvaluateThreads)->ThreadRange(1, 2)->UseRealTime()->Unit(benchmark::kNanosecond);
BENCHMARK(BM_PackMemory)->Iterations(3)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Compile)
    ->RangeMultiplier(10)
    ->Range(10, 100000)
    ->Unit(benchmark::kMillisecond)
    ->Complexity();

BENCHMARK_MAIN();
