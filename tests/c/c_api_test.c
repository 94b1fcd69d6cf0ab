/* The C API from C: compile the DCF pack, decide agreements, read the JSON, and every error
 * path (NULL arguments, a missing pack, a bad parameter, a refused agreement, a bad date or
 * format, a forged bundle); everything released, so that the sanitizer run sees no leak.
 *   c_api_test <source dir> */
#include "steward/c_api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures = 0;

#define CHECK(cond, what)                                     \
  do {                                                        \
    if (!(cond)) {                                            \
      fprintf(stderr, "FAIL %s (line %d)\n", what, __LINE__); \
      ++failures;                                             \
    }                                                         \
  } while (0)

static char* read_file(const char* path, size_t* length) {
  FILE* f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char* text = malloc((size_t)n + 1);
  if (text && fread(text, 1, (size_t)n, f) != (size_t)n) {
    free(text);
    text = NULL;
  }
  fclose(f);
  if (text) text[n] = '\0';
  *length = (size_t)n;
  return text;
}

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  char dir[2048], path[4096];
  snprintf(dir, sizeof dir, "%s/policies/dcf-5-4", argv[1]);

  CHECK(steward_api_version() == STEWARD_C_API_VERSION, "the API version");
  CHECK(strlen(steward_version()) > 0, "a version string");

  steward_pack* pack = NULL;
  char* diags = NULL;
  CHECK(steward_pack_compile(dir, NULL, &pack, &diags) == STEWARD_OK, "the DCF pack compiles");
  CHECK(diags && diags[0] == '[', "diagnostics are a JSON array");
  steward_free(diags);
  CHECK(pack && strncmp(steward_pack_digest(pack), "sha256:", 7) == 0, "a plan digest");
  CHECK(strcmp(steward_pack_name(pack), "dcf-5-4") == 0, "the pack's name");

  /* An allowed and a denied example. */
  steward_eval_options options;
  memset(&options, 0, sizeof options);
  options.size = sizeof options;
  options.as_of = "2026-03-01";
  options.file = "01.yaml";
  size_t length = 0;
  snprintf(path, sizeof path, "%s/examples/agreements/01-compliant-allow.yaml", dir);
  char* text = read_file(path, &length);
  CHECK(text != NULL, "the example is read");
  steward_outcome outcome = STEWARD_DENY;
  char* json = NULL;
  CHECK(steward_evaluate(pack, text, length, &options, &outcome, &json) == STEWARD_OK,
        "the allowed example is decided");
  CHECK(outcome == STEWARD_ALLOW, "it is allowed");
  CHECK(json && strstr(json, "\"decision\": \"allow\"") != NULL, "the decision JSON says allow");
  steward_free(json);
  free(text);

  snprintf(path, sizeof path, "%s/examples/agreements/14-aggregate-threshold-9-deny.yaml", dir);
  text = read_file(path, &length);
  CHECK(steward_evaluate(pack, text, length, &options, &outcome, &json) == STEWARD_OK,
        "the denied example is decided");
  CHECK(outcome == STEWARD_DENY, "it is denied");
  CHECK(json && strstr(json, "data.suppression") != NULL, "the reason cites its clause");
  steward_free(json);
  /* The same with options from an older, shorter struct: only `size` bytes are read. */
  steward_eval_options old;
  memset(&old, 0xff, sizeof old); /* garbage past `size` must not be read */
  old.size = sizeof(size_t);
  CHECK(steward_evaluate(pack, text, length, &old, &outcome, &json) == STEWARD_OK,
        "a shorter options struct");
  steward_free(json);
  CHECK(steward_evaluate(pack, text, length, NULL, &outcome, NULL) == STEWARD_OK,
        "no options and no JSON wanted");
  free(text);

  /* Refused input: never a decision, always the located errors. */
  const char* broken = "id: x\nkind: [unclosed\n";
  outcome = STEWARD_ALLOW;
  CHECK(
      steward_evaluate(pack, broken, strlen(broken), &options, &outcome, &json) == STEWARD_INVALID,
      "a broken agreement is refused");
  CHECK(json && strstr(json, "\"line\"") != NULL, "its errors are located");
  steward_free(json);
  const char* bad_utf8 = "id: \xff\n";
  CHECK(steward_evaluate(pack, bad_utf8, strlen(bad_utf8), &options, &outcome, &json) ==
            STEWARD_INVALID,
        "invalid UTF-8 is refused");
  steward_free(json);
  options.as_of = "2026-02-30";
  CHECK(
      steward_evaluate(pack, broken, strlen(broken), &options, &outcome, &json) == STEWARD_INVALID,
      "an impossible as_of is refused");
  CHECK(json && strstr(json, "as_of") != NULL, "and says why");
  steward_free(json);
  options.as_of = NULL;
  options.format = "toml";
  CHECK(
      steward_evaluate(pack, broken, strlen(broken), &options, &outcome, &json) == STEWARD_INVALID,
      "an unknown format is refused");
  steward_free(json);
  CHECK(steward_evaluate(NULL, broken, strlen(broken), NULL, &outcome, &json) == STEWARD_INVALID,
        "a NULL pack is refused");
  steward_free(json);
  CHECK(steward_evaluate(pack, NULL, 5, NULL, &outcome, NULL) == STEWARD_INVALID,
        "NULL text with a length is refused");
  CHECK(steward_evaluate(pack, "", 0, NULL, NULL, NULL) == STEWARD_INVALID,
        "a NULL outcome is refused");

  /* A batch on the library's threads: in order, each decision or its errors, one array. */
  snprintf(path, sizeof path, "%s/examples/agreements/01-compliant-allow.yaml", dir);
  char* allow_text = read_file(path, &length);
  size_t allow_length = length;
  snprintf(path, sizeof path, "%s/examples/agreements/14-aggregate-threshold-9-deny.yaml", dir);
  char* deny_text = read_file(path, &length);
  enum { kBatch = 40 };
  const char* texts[kBatch];
  size_t lengths[kBatch];
  int outcomes[kBatch];
  for (int i = 0; i < kBatch; ++i) {
    texts[i] = i == 17 ? broken : i % 2 ? deny_text : allow_text;
    lengths[i] = i == 17 ? strlen(broken) : i % 2 ? length : allow_length;
  }
  options.format = NULL;
  options.as_of = "2026-03-01";
  CHECK(steward_evaluate_batch(pack, texts, lengths, kBatch, &options, 3, outcomes, &json) ==
            STEWARD_INVALID,
        "a batch with one broken agreement says so");
  int in_order = 1;
  for (int i = 0; i < kBatch; ++i) {
    int want = i == 17 ? -1 : i % 2 ? STEWARD_DENY : STEWARD_ALLOW;
    if (outcomes[i] != want) in_order = 0;
  }
  CHECK(in_order, "every outcome in order, -1 for the refused one");
  CHECK(json && json[0] == '[' && strstr(json, "\"decision\": null") != NULL,
        "one JSON array with the errors document in its place");
  steward_free(json);
  texts[17] = allow_text;
  lengths[17] = allow_length;
  CHECK(
      steward_evaluate_batch(pack, texts, lengths, kBatch, &options, 0, NULL, &json) == STEWARD_OK,
      "a batch of good agreements, one thread a core, no outcomes wanted");
  steward_free(json);
  CHECK(steward_evaluate_batch(pack, texts, lengths, 0, NULL, 2, NULL, &json) == STEWARD_OK &&
            json && strcmp(json, "[]") == 0,
        "an empty batch is an empty array");
  steward_free(json);
  texts[3] = NULL;
  CHECK(
      steward_evaluate_batch(pack, texts, lengths, kBatch, NULL, 2, NULL, &json) == STEWARD_INVALID,
      "a NULL text with a length is refused");
  steward_free(json);
  CHECK(steward_evaluate_batch(pack, NULL, lengths, 2, NULL, 2, NULL, NULL) == STEWARD_INVALID,
        "NULL texts are refused");
  free(allow_text);
  free(deny_text);

  /* Data scanned and a table protected, from text, as `steward scan` and `steward suppress`. */
  const char* data = "case_number,ssn,note\nC100007,141-57-9111,ok\nC100014,432-52-2178,ok\n";
  CHECK(steward_scan(pack, data, strlen(data), "extract.csv", NULL, &json) == STEWARD_OK,
        "data text is scanned");
  CHECK(json && strstr(json, "\"findings\"") && strstr(json, "\"ssn\"") &&
            !strstr(json, "141-57-9111"),
        "the report names the identifier's column, never its value");
  steward_free(json);
  CHECK(steward_scan(pack, data, strlen(data), "x.csv", "xlsx", &json) == STEWARD_INVALID && json &&
            strstr(json, "xlsx"),
        "an unknown data format is refused");
  steward_free(json);
  const char* ragged = "a,b\n1,2,3\n";
  CHECK(steward_scan(pack, ragged, strlen(ragged), "r.csv", "csv", &json) == STEWARD_INVALID &&
            json && strstr(json, "\"errors\"") && strstr(json, "\"line\": 2"),
        "a ragged CSV is refused with the line");
  steward_free(json);
  CHECK(steward_scan(NULL, data, strlen(data), NULL, NULL, &json) == STEWARD_INVALID,
        "scan: a NULL pack is refused");
  steward_free(json);
  const char* counts =
      "region,gender,count\nA,male,3\nA,female,17\nB,male,14\nB,female,19\n"
      "C,male,12\nC,female,10\n";
  char* table = NULL;
  char* report = NULL;
  CHECK(steward_suppress(pack, counts, strlen(counts), "counts.csv", &table, &report) == STEWARD_OK,
        "a table of counts is protected");
  CHECK(table && strstr(table, "A,male,*") != NULL && strstr(table, "A,male,3") == NULL,
        "the small count is suppressed");
  CHECK(report && strstr(report, "\"secondary\"") && strstr(report, "\"audit\""),
        "with the report of primary and secondary suppressions and the audit");
  steward_free(table);
  steward_free(report);
  const char* bad_table = "region,count\nA,many\n";
  CHECK(steward_suppress(pack, bad_table, strlen(bad_table), NULL, &table, &report) ==
                STEWARD_INVALID &&
            table == NULL && report && strstr(report, "\"line\": 2"),
        "a count that is not a number is refused with its line, and no table");
  steward_free(report);
  CHECK(steward_suppress(pack, counts, strlen(counts), NULL, NULL, NULL) == STEWARD_INVALID,
        "suppress: a NULL table pointer is refused");
  steward_pack_free(pack);

  /* Packs that do not compile or load. */
  steward_pack* none = NULL;
  CHECK(steward_pack_compile("/nonexistent/pack", NULL, &none, &diags) == STEWARD_INVALID,
        "a missing pack is refused");
  CHECK(none == NULL && diags && strstr(diags, "\"code\"") != NULL, "with its diagnostics");
  steward_free(diags);
  const char* bad_params[] = {"min_cell_size", NULL};
  CHECK(steward_pack_compile(dir, bad_params, &none, &diags) == STEWARD_INVALID,
        "a parameter without a value is refused");
  steward_free(diags);
  const char* params[] = {"min_cell_size=11", NULL};
  CHECK(steward_pack_compile(dir, params, &none, NULL) == STEWARD_OK, "a parameter override");
  steward_pack_free(none);
  none = NULL;
  const char* forged = "{\"format\": \"steward-bundle/2\"}";
  const char* keys[] = {"not a key", NULL};
  CHECK(steward_pack_load_bundle(forged, strlen(forged), keys, &none, &diags) == STEWARD_INVALID,
        "a forged bundle is refused");
  CHECK(none == NULL && diags && strstr(diags, "bundle.") != NULL, "as a bundle error");
  steward_free(diags);
  CHECK(steward_pack_compile(NULL, NULL, &none, NULL) == STEWARD_INVALID, "a NULL dir");
  steward_pack_free(NULL);
  steward_free(NULL);

  if (failures) {
    fprintf(stderr, "%d failures\n", failures);
    return 1;
  }
  printf("ok\n");
  return 0;
}
