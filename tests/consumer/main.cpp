// Decides one agreement with the library API: prints the decision and exits 0 if it ran.
#include <cstdio>

#include "steward/compiler.h"
#include "steward/evaluator.h"

int main(int argc, char** argv) {
  if (argc != 3) return 2;
  auto compiled = steward::compile_pack(argv[1]);
  if (!compiled.ok()) return 2;
  auto doc = steward::load_document_file(*compiled.pack, argv[2]);
  if (!doc.ok()) return 2;
  steward::Evaluator evaluator(compiled.pack);
  std::printf("%s\n", steward::outcome_name(evaluator.evaluate(*doc.document).outcome));
  return 0;
}
