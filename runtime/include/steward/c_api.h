/* steward's C API: compile or load a policy pack, decide agreements, read decisions as JSON.
 *
 * A stable ABI for other languages (the Python package uses it through ctypes): opaque handles,
 * C types only, every error returned with its diagnostics, and no C++ exception ever crosses
 * the boundary. Thread safety: a steward_pack is immutable once made; any number of threads may
 * call steward_evaluate on one pack at once. Strings returned to the caller are the caller's, to
 * release with steward_free. */
#ifndef STEWARD_C_API_H
#define STEWARD_C_API_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Only these functions are exported from libsteward.so. */
#if defined(__GNUC__)
#define STEWARD_API __attribute__((visibility("default")))
#else
#define STEWARD_API
#endif

/* Bumped when a declaration here changes incompatibly. */
#define STEWARD_C_API_VERSION 1

typedef struct steward_pack steward_pack;

/* What a call did. STEWARD_INVALID: the input (a pack, a bundle, an agreement, an option) was
 * refused; its diagnostics say where. STEWARD_INTERNAL: steward failed; never a decision. */
typedef enum steward_result {
  STEWARD_OK = 0,
  STEWARD_INVALID = 2,
  STEWARD_INTERNAL = 4
} steward_result;

/* A decision's outcome; the values are `steward eval`'s exit codes. */
typedef enum steward_outcome {
  STEWARD_ALLOW = 0,
  STEWARD_DENY = 1,
  STEWARD_NEEDS_REVIEW = 3
} steward_outcome;

/* The library's version ("0.9.0") and STEWARD_C_API_VERSION as built. */
STEWARD_API const char* steward_version(void);
STEWARD_API int steward_api_version(void);

/* Compiles the pack in directory `dir`. `params` is NULL or a NULL-terminated array of
 * "name=value" overrides of the pack's parameters. On STEWARD_OK, *out is a pack to release
 * with steward_pack_free. When `diagnostics` is not NULL it receives a JSON array of every
 * diagnostic (warnings too): {"severity", "code", "message", "file", "line", "column", "help"}. */
STEWARD_API steward_result steward_pack_compile(const char* dir, const char* const* params,
                                                steward_pack** out, char** diagnostics);

/* Loads a signed bundle (`steward build`), verified against the PEM public keys in
 * `trust_keys` (a NULL-terminated array of PEM texts, not file names); as steward_pack_compile. */
STEWARD_API steward_result steward_pack_load_bundle(const char* bundle_text, size_t length,
                                                    const char* const* trust_keys,
                                                    steward_pack** out, char** diagnostics);

/* Releases a pack (NULL is accepted). */
STEWARD_API void steward_pack_free(steward_pack* pack);

/* The pack's plan digest ("sha256:..."), name and version; valid while the pack lives. */
STEWARD_API const char* steward_pack_digest(const steward_pack* pack);
STEWARD_API const char* steward_pack_name(const steward_pack* pack);
STEWARD_API const char* steward_pack_version(const steward_pack* pack);

/* Options of one evaluation. Set `size` to sizeof(steward_eval_options), so that fields added
 * later are known to be absent; a NULL options pointer means every default. */
typedef struct steward_eval_options {
  size_t size;
  const char* as_of;  /* "YYYY-MM-DD", or NULL for today (UTC) */
  const char* format; /* "yaml", "json", or NULL to tell by the text */
  const char* file;   /* the name errors and evidence locations use; NULL: "agreement" */
} steward_eval_options;

/* Decides the agreement `text` (`length` bytes, UTF-8). On STEWARD_OK, *outcome is set and,
 * when `json` is not NULL, *json receives the decision document (`steward eval -f json`). On
 * STEWARD_INVALID, *json receives the errors document: the agreement's located input errors,
 * or the evaluation error (`eval.budget`, `eval.range`); never a decision. */
STEWARD_API steward_result steward_evaluate(const steward_pack* pack, const char* text,
                                            size_t length, const steward_eval_options* options,
                                            steward_outcome* outcome, char** json);

/* Decides `count` agreements at once: texts[i] of lengths[i] bytes, with one set of options
 * (`file`, when given, names them all). They are decided on up to `threads` threads of the
 * library's own (0: one a core), without the caller's involvement, so that a caller with a
 * global lock (Python's GIL) holds it once for the whole batch. *json receives one JSON array
 * with, in order, each agreement's decision document or errors document; `outcomes` (NULL or
 * `count` ints) receives each outcome, or -1 for an agreement that was refused. Returns
 * STEWARD_OK when every agreement was decided, STEWARD_INVALID when any was refused (the others
 * are still decided), STEWARD_INTERNAL when steward failed (then *json holds the failure). */
STEWARD_API steward_result steward_evaluate_batch(const steward_pack* pack,
                                                  const char* const* texts, const size_t* lengths,
                                                  size_t count, const steward_eval_options* options,
                                                  int threads, int* outcomes, char** json);

/* Scans the data a text holds (`length` bytes: CSV, TSV or JSON Lines) for the identifiers the
 * pack's scan plan names (`steward scan`). `file` names it in the report and, when `format` is
 * NULL, tells the format by its extension (".tsv", ".jsonl", else CSV); `format` is "csv",
 * "tsv" or "jsonl". *json receives the report as `steward scan -f json` writes one file's:
 * columns, rows, findings (column, category, detector, count, row numbers), errors; never a
 * value of the data. STEWARD_OK when the text was read whole, STEWARD_INVALID when it could
 * not be (its errors are in the report) or the pack has no scan plan. */
STEWARD_API steward_result steward_scan(const steward_pack* pack, const char* text, size_t length,
                                        const char* file, const char* format, char** json);

/* Protects a table of counts (CSV text, read by the pack's table plan) as `steward suppress`
 * does: primary suppressions by the pack's threshold, secondary ones until every suppressed
 * cell passes the attacker's audit. On STEWARD_OK, *table receives the protected table as CSV
 * (suppressed cells marked) and *report, when not NULL, the JSON report of `steward suppress
 * --report`. On STEWARD_INVALID (a table that cannot be read, a pack with no table plan),
 * *report receives the errors as a JSON array ({code, line, column, message}); *table is NULL. */
STEWARD_API steward_result steward_suppress(const steward_pack* pack, const char* text,
                                            size_t length, const char* file, char** table,
                                            char** report);

/* Releases a string this API returned (NULL is accepted). */
STEWARD_API void steward_free(char* s);

#ifdef __cplusplus
}
#endif

#endif /* STEWARD_C_API_H */
