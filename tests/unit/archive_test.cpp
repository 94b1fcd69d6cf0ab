// Tests for archive.h: durable, hash-chained records; verify names every edited or deleted one.
#include "steward/archive.h"

#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "steward/compiler.h"
#include "steward/evaluator.h"
#include "test_support.h"

using namespace steward;
namespace fs = std::filesystem;

namespace {

struct Fixture {
  fs::path path =
      fs::temp_directory_path() / ("steward_archive_" + std::to_string(::getpid()) + ".db");
  std::unique_ptr<Archive> archive;
  std::vector<ArchiveRecord> records;

  Fixture() {
    fs::remove(path);
    std::string error;
    archive = Archive::open("sqlite:" + path.string(), &error);
    REQUIRE(archive);
    auto pack = compile_pack(steward::testing::source_dir() + "/policies/dcf-5-4");
    REQUIRE(pack.ok());
    Evaluator ev(pack.pack);
    for (const char* name :
         {"01-compliant-allow", "03-email-request-deny", "10-unknown-purpose-review",
          "16-safe-harbor-identifiers-deny", "23-internal-analysis-allow"}) {
      std::string text =
          steward::testing::read_text(steward::testing::source_dir() +
                                      "/policies/dcf-5-4/examples/agreements/" + name + ".yaml");
      auto doc = load_document(*pack.pack, text, name);
      REQUIRE(doc.ok());
      ArchiveRecord r;
      REQUIRE(archive->append(ev.evaluate(*doc.document), text, "test", &r, &error));
      records.push_back(r);
    }
  }
  ~Fixture() {
    archive.reset();
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(path.string() + suffix);
  }

  // Changes the database behind the archive's back, as an attacker with file access would.
  void sql(const std::string& statement) {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path.string().c_str(), &db) == SQLITE_OK);
    char* msg = nullptr;
    CHECK(sqlite3_exec(db, statement.c_str(), nullptr, nullptr, &msg) == SQLITE_OK);
    sqlite3_free(msg);
    sqlite3_close(db);
  }

  std::string problems() {
    std::string all;
    for (const auto& p : archive->verify().problems) all += p + "\n";
    return all;
  }
};

}  // namespace

TEST_CASE("records are chained, readable, and verify", "[archive]") {
  Fixture f;
  CHECK(f.records[0].prev_hash.find("sha256:0000") == 0);
  for (size_t i = 1; i < f.records.size(); ++i)
    CHECK(f.records[i].prev_hash == f.records[i - 1].hash);
  CHECK(f.records[1].decision == "deny");
  CHECK(f.records[1].agreement_id == "DSA-EX-03");
  auto got = f.archive->get(f.records[2].decision_id);
  REQUIRE(got);
  CHECK(got->hash == f.records[2].hash);
  CHECK(got->document.find("\"decision\":\"needs_review\"") != std::string::npos);
  CHECK(f.archive->list({"", "deny", 10}).size() == 2);
  CHECK(f.archive->list({"DSA-EX-23", "", 10}).size() == 1);
  auto v = f.archive->verify();
  CHECK(v.ok);
  CHECK(v.records == 5);
}

TEST_CASE("verify names an edited record", "[archive]") {
  Fixture f;
  f.sql("UPDATE decisions SET decision = 'allow' WHERE seq = 2;");
  CHECK_THAT(f.problems(),
             Catch::Contains("record 2 (" + f.records[1].decision_id + ") was changed"));
}

TEST_CASE("verify notices a record rewritten with a new hash", "[archive]") {
  Fixture f;
  ArchiveRecord r = f.records[2];
  r.decision = "allow";
  f.sql("UPDATE decisions SET decision = 'allow', hash = '" + archive_record_hash(r) +
        "' WHERE seq = 3;");
  CHECK_THAT(f.problems(), Catch::Contains("record 4 (" + f.records[3].decision_id +
                                           ") does not link to record 3"));
}

TEST_CASE("verify names deleted records, in the middle and at the end", "[archive]") {
  Fixture f;
  f.sql("DELETE FROM decisions WHERE seq = 2;");
  CHECK_THAT(f.problems(), Catch::Contains("record 2 is missing"));
  Fixture g;
  g.sql("DELETE FROM decisions WHERE seq = 5;");
  CHECK_THAT(g.problems(),
             Catch::Contains("the archive recorded 5 records, but the last one present is 4"));
}

TEST_CASE("a failed write is reported and leaves no record", "[archive]") {
  Fixture f;
  f.sql(
      "CREATE TRIGGER refuse BEFORE INSERT ON decisions BEGIN SELECT RAISE(ABORT, 'disk full'); "
      "END;");
  Decision d;
  d.agreement = "X";
  std::string error;
  CHECK_FALSE(f.archive->append(d, "text", "test", nullptr, &error));
  CHECK_THAT(error, Catch::Contains("disk full"));
  CHECK(f.archive->verify().ok);
  CHECK(f.archive->all().size() == 5);
}
