// `steward archive`: verify, list, show and export the decision archive; `steward review`.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "common.h"
#include "steward/archive.h"
#include "steward/compiler.h"
#include "steward/source.h"

namespace steward::cli {
namespace {

std::string csv(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

int run_actions(Archive* archive, const ArchiveOptions& o);

}  // namespace

int run_archive(const ArchiveOptions& o) {
  std::string error;
  // Readers never create: a deleted or emptied archive is an error, not a new one that verifies.
  auto archive = Archive::open(o.url, &error, ArchiveMode::kExisting);
  if (!archive) {
    fmt::print(stderr, "error[archive.open]: {}\n", error);
    return kExitError;
  }
  try {
    return run_actions(archive.get(), o);
  } catch (const std::exception& e) {
    fmt::print(stderr, "error[archive.read]: {}\n", e.what());
    return kExitError;
  }
}

int run_review(const ReviewOptions& o) {
  Review review{o.decision_id, o.digest, o.body, o.verdict, o.note, o.reviewer};
  if (!o.agreement_file.empty()) {
    std::string text;
    if (!read_file(o.agreement_file, &text)) {
      fmt::print(stderr, "{}: error[review.read]: cannot read the agreement\n",
                 escape_for_display(o.agreement_file));
      return kExitError;
    }
    review.agreement_digest = "sha256:" + sha256_hex(text);
  }
  std::string error;
  auto archive = Archive::open(o.url, &error, ArchiveMode::kExisting);
  if (!archive) {
    fmt::print(stderr, "error[archive.open]: {}\n", error);
    return kExitError;
  }
  ArchiveRecord record;
  bool refused = false;
  try {
    if (!archive->append_review(review, &record, &error, &refused)) {
      fmt::print(stderr, "error[{}]: {}\n", refused ? "review.refused" : "archive.write",
                 escape_for_display(error));
      return kExitError;
    }
  } catch (const std::exception& e) {
    fmt::print(stderr, "error[archive.read]: {}\n", e.what());
    return kExitError;
  }
  fmt::print("{}: {} by `{}` on {} (agreement `{}`), record {}\n", record.decision_id,
             review.verdict, escape_for_display(review.body), review.decision_id,
             escape_for_display(record.agreement_id), record.seq);
  return kExitAllow;
}

namespace {

int run_actions(Archive* archive, const ArchiveOptions& o) {
  const std::string url = redact_archive_url(o.url);
  if (o.action == "verify") {
    ArchiveVerification v;
    if (!o.checkpoints.empty()) {
      std::string text;
      std::vector<std::string> keys;
      if (!read_file(o.checkpoints, &text)) {
        fmt::print(stderr, "{}: error[archive.checkpoints]: cannot read the checkpoint file\n",
                   o.checkpoints);
        return kExitError;
      }
      for (const auto& k : o.trust_keys) {
        std::string pem;
        if (!read_file(k, &pem)) {
          fmt::print(stderr, "{}: error[archive.checkpoints]: cannot read the key\n", k);
          return kExitError;
        }
        keys.push_back(std::move(pem));
      }
      v = archive->verify_checkpoints(text, keys);
    } else {
      v = archive->verify();
    }
    for (const auto& p : v.problems) fmt::print("{}: {}\n", url, p);
    fmt::print("{}: {} record{}, {}\n", url, v.records, v.records == 1 ? "" : "s",
               v.ok ? "the chain is intact" : fmt::format("{} problem(s)", v.problems.size()));
    return v.ok ? kExitAllow : 1;
  }
  if (o.action == "show") {
    auto r = archive->get(o.decision_id);
    if (!r) {
      fmt::print(stderr, "error[archive.not-found]: no decision `{}` in {}\n", o.decision_id, url);
      return kExitError;
    }
    fmt::print("{}\n", record_to_json(*r, true, 2));
    return kExitAllow;
  }
  if (o.action == "list") {
    ArchiveQuery q{o.agreement, o.decision, o.limit};
    for (const auto& r : archive->list(q)) {
      fmt::print("{} {:>4} {} {:<13} {} ({} {})\n", r.time, r.seq, r.decision_id, r.decision,
                 r.agreement_id, r.pack_name, r.pack_version);
    }
    return kExitAllow;
  }
  // export
  auto records = archive->all();
  if (o.format == "csv") {
    fmt::print(
        "seq,decision_id,time,agreement_id,agreement_digest,pack_name,pack_version,pack_digest,"
        "decision,caller,"
        "prev_hash,hash\n");
    for (const auto& r : records) {
      fmt::print("{},{},{},{},{},{},{},{},{},{},{},{}\n", r.seq, csv(r.decision_id), csv(r.time),
                 csv(r.agreement_id), csv(r.agreement_digest), csv(r.pack_name),
                 csv(r.pack_version), csv(r.pack_digest), csv(r.decision), csv(r.caller),
                 csv(r.prev_hash), csv(r.hash));
    }
  } else {
    for (const auto& r : records) fmt::print("{}\n", record_to_json(r, true));
  }
  return kExitAllow;
}

}  // namespace
}  // namespace steward::cli
