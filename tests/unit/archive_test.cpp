// Tests for archive.h: durable, hash-chained records; verify names every edited or deleted one.
// Every case runs on SQLite, and on PostgreSQL when STEWARD_TEST_POSTGRES_URL names a server
// (tools/scripts/pg-cluster.sh starts a throwaway one; .ci/run always does).
// Past 600 lines on purpose: the cases share the `Store` fixture, which runs each on both stores.
#include "steward/archive.h"

#include <fmt/format.h>
#include <libpq-fe.h>
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "archive_chain.h"
#include "steward/compiler.h"
#include "steward/evaluator.h"
#include "test_support.h"

using namespace steward;
namespace fs = std::filesystem;

namespace {

const char* postgres_url() { return std::getenv("STEWARD_TEST_POSTGRES_URL"); }

std::vector<std::string> backends() {
  std::vector<std::string> b = {"sqlite"};
  if (postgres_url()) b.push_back("postgresql");
  return b;
}

// Runs one statement on the admin connection of the test server.
void pg_exec(const std::string& url, const std::string& sql) {
  PGconn* c = PQconnectdb(url.c_str());
  REQUIRE(PQstatus(c) == CONNECTION_OK);
  PGresult* r = PQexec(c, sql.c_str());
  INFO(PQerrorMessage(c));
  CHECK((PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK));
  PQclear(r);
  PQfinish(c);
}

// A new, empty archive on `backend`: a fresh file, or a fresh database on the test server.
struct Store {
  std::string backend;
  std::string url;
  fs::path path;
  std::string database;

  explicit Store(std::string b) : backend(std::move(b)) {
    static std::atomic<int> counter{0};
    std::string name =
        "steward_archive_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
    if (backend == "sqlite") {
      path = fs::temp_directory_path() / (name + ".db");
      fs::remove(path);
      url = "sqlite:" + path.string();
    } else {
      database = name;
      pg_exec(postgres_url(), "CREATE DATABASE " + database + ";");
      std::string admin = postgres_url();
      url = admin.substr(0, admin.rfind('/') + 1) + database;
    }
  }
  ~Store() {
    if (backend == "sqlite") {
      for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(path.string() + suffix);
    } else {
      PGconn* c = PQconnectdb(postgres_url());
      PQclear(PQexec(c, ("DROP DATABASE IF EXISTS " + database + " WITH (FORCE);").c_str()));
      PQfinish(c);
    }
  }

  std::unique_ptr<Archive> open() const {
    std::string error;
    auto a = Archive::open(url, &error);
    INFO(error);
    REQUIRE(a);
    return a;
  }

  // Changes the database behind the archive's back, as an attacker with access to it would.
  void sql(const std::string& statement) const {
    if (backend == "postgresql") return pg_exec(url, statement);
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path.string().c_str(), &db) == SQLITE_OK);
    char* msg = nullptr;
    CHECK(sqlite3_exec(db, statement.c_str(), nullptr, nullptr, &msg) == SQLITE_OK);
    sqlite3_free(msg);
    sqlite3_close(db);
  }
};

struct Fixture {
  Store store;
  std::unique_ptr<Archive> archive;
  std::vector<ArchiveRecord> records;

  explicit Fixture(const std::string& backend) : store(backend) {
    archive = store.open();
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
      std::string error;
      REQUIRE(archive->append(ev.evaluate(*doc.document), text, "test", &r, &error));
      records.push_back(r);
    }
  }

  std::string problems() {
    std::string all;
    for (const auto& p : archive->verify().problems) all += p + "\n";
    return all;
  }
};

// Makes every insert into the store fail with `disk full`, as a full disk would.
void refuse_inserts(const Store& store) {
  if (store.backend == "sqlite") {
    store.sql(
        "CREATE TRIGGER refuse BEFORE INSERT ON decisions BEGIN SELECT RAISE(ABORT, 'disk "
        "full'); END;");
  } else {
    store.sql(
        "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'disk full'; END "
        "$$ LANGUAGE plpgsql; CREATE TRIGGER refuse BEFORE INSERT ON decisions FOR EACH ROW "
        "EXECUTE FUNCTION refuse();");
  }
}

Decision decision_for(const std::string& agreement) {
  Decision d;
  d.agreement = agreement;
  d.outcome = Outcome::kDeny;
  return d;
}

}  // namespace

TEST_CASE("records are chained, readable, and verify", "[archive]") {
  Fixture f(GENERATE(from_range(backends())));
  INFO(f.store.backend);
  CHECK(f.records[0].prev_hash.find("sha256:0000") == 0);
  CHECK(f.records[0].seq == 1);
  for (size_t i = 1; i < f.records.size(); ++i) {
    CHECK(f.records[i].prev_hash == f.records[i - 1].hash);
    CHECK(f.records[i].seq == static_cast<int64_t>(i + 1));
  }
  CHECK(f.records[1].decision == "deny");
  CHECK(f.records[1].agreement_id == "DSA-EX-03");
  auto got = f.archive->get(f.records[2].decision_id);
  REQUIRE(got);
  CHECK(got->hash == f.records[2].hash);
  CHECK(got->agreement == f.records[2].agreement);
  CHECK(got->document.find("\"decision\":\"needs_review\"") != std::string::npos);
  CHECK_FALSE(f.archive->get("d-000000000000000000000000"));
  CHECK(f.archive->list({"", "deny", 10}).size() == 2);
  CHECK(f.archive->list({"DSA-EX-23", "", 10}).size() == 1);
  CHECK(f.archive->list({"", "", 3}).front().seq == 5);
  auto v = f.archive->verify();
  CHECK(v.ok);
  CHECK(v.records == 5);
  // Reopening continues the same chain.
  f.archive = f.store.open();
  ArchiveRecord next;
  std::string error;
  REQUIRE(f.archive->append(decision_for("NEXT"), "next", "test", &next, &error));
  CHECK(next.seq == 6);
  CHECK(next.prev_hash == f.records[4].hash);
  CHECK(f.archive->verify().ok);
}

TEST_CASE("verify names an edited record", "[archive]") {
  Fixture f(GENERATE(from_range(backends())));
  INFO(f.store.backend);
  f.store.sql("UPDATE decisions SET decision = 'allow' WHERE seq = 2;");
  CHECK_THAT(f.problems(),
             Catch::Contains("record 2 (" + f.records[1].decision_id + ") was changed"));
}

TEST_CASE("verify notices a record rewritten with a new hash", "[archive]") {
  Fixture f(GENERATE(from_range(backends())));
  INFO(f.store.backend);
  ArchiveRecord r = f.records[2];
  r.decision = "allow";
  f.store.sql("UPDATE decisions SET decision = 'allow', hash = '" + archive_record_hash(r) +
              "' WHERE seq = 3;");
  CHECK_THAT(f.problems(), Catch::Contains("record 4 (" + f.records[3].decision_id +
                                           ") does not link to record 3"));
}

TEST_CASE("verify names deleted records, in the middle and at the end", "[archive]") {
  std::string backend = GENERATE(from_range(backends()));
  INFO(backend);
  Fixture f(backend);
  f.store.sql("DELETE FROM decisions WHERE seq = 2;");
  CHECK_THAT(f.problems(), Catch::Contains("record 2 is missing"));
  Fixture g(backend);
  g.store.sql("DELETE FROM decisions WHERE seq = 5;");
  CHECK_THAT(g.problems(),
             Catch::Contains("the archive recorded 5 records, but the last one present is 4"));
}

TEST_CASE("a failed write is reported and leaves no record", "[archive]") {
  Fixture f(GENERATE(from_range(backends())));
  INFO(f.store.backend);
  refuse_inserts(f.store);
  std::string error;
  CHECK_FALSE(f.archive->append(decision_for("X"), "text", "test", nullptr, &error));
  CHECK_THAT(error, Catch::Contains("disk full"));
  CHECK(f.archive->verify().ok);
  CHECK(f.archive->all().size() == 5);
}

TEST_CASE("concurrent appends share commits and keep one unbroken chain", "[archive]") {
  std::string backend = GENERATE(from_range(backends()));
  INFO(backend);
  Store store(backend);
  // Two archive objects on one store stand for two servers sharing it.
  std::vector<std::unique_ptr<Archive>> servers;
  servers.push_back(store.open());
  servers.push_back(store.open());
  constexpr int kThreads = 8, kEach = 40;
  std::vector<std::vector<ArchiveRecord>> got(kThreads);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Archive& a = *servers[t % 2];
      for (int i = 0; i < kEach; ++i) {
        ArchiveRecord r;
        std::string error;
        if (a.append(decision_for(fmt::format("T{}-{}", t, i)), "x", "test", &r, &error))
          got[t].push_back(r);
        else
          ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(failures == 0);
  std::set<int64_t> seqs;
  std::set<std::string> ids;
  for (const auto& records : got) {
    for (const auto& r : records) {
      seqs.insert(r.seq);
      ids.insert(r.decision_id);
      // Each answer's record is the one stored.
      auto stored = servers[0]->get(r.decision_id);
      REQUIRE(stored);
      CHECK(stored->hash == r.hash);
    }
  }
  CHECK(seqs.size() == kThreads * kEach);
  CHECK(ids.size() == kThreads * kEach);
  CHECK(*seqs.rbegin() == kThreads * kEach);
  auto v = servers[1]->verify();
  CHECK(v.ok);
  CHECK(v.records == kThreads * kEach);
}

TEST_CASE("servers taking turns each link to the head as stored, not as they last left it",
          "[archive]") {
  // A writer that linked to where its own last batch left the chain (a shortcut tried for
  // PostgreSQL) would fork the chain as soon as another server's batch came in between.
  std::string backend = GENERATE(from_range(backends()));
  INFO(backend);
  Store store(backend);
  auto a = store.open();
  auto b = store.open();
  std::vector<ArchiveRecord> got;
  for (Archive* server : {a.get(), a.get(), b.get(), a.get(), b.get(), b.get(), a.get()}) {
    ArchiveRecord r;
    std::string error;
    REQUIRE(server->append(decision_for(fmt::format("S-{}", got.size())), "x", "test", &r, &error));
    got.push_back(r);
  }
  for (size_t i = 0; i < got.size(); ++i) {
    CHECK(got[i].seq == static_cast<int64_t>(i + 1));
    if (i > 0) CHECK(got[i].prev_hash == got[i - 1].hash);
    auto stored = b->get(got[i].decision_id);
    REQUIRE(stored);
    CHECK(stored->hash == got[i].hash);
  }
  auto v = a->verify();
  CHECK(v.ok);
  CHECK(v.records == got.size());
}

TEST_CASE("async appends are answered once each, after their batch commits, in one chain",
          "[archive]") {
  std::string backend = GENERATE(from_range(backends()));
  INFO(backend);
  Store store(backend);
  auto archive = store.open();
  auto reader = store.open();  // another server's view: it sees only what is committed
  constexpr int kThreads = 4, kEach = 50;
  std::mutex mu;
  std::vector<ArchiveRecord> answered;
  std::map<std::string, int> calls;  // agreement id -> times answered
  std::atomic<int> not_stored{0}, refused{0}, sync_ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        const std::string id = fmt::format("A{}-{}", t, i);
        archive->append_async(decision_for(id), "x" + id, "test",
                              [&](bool ok, ArchiveRecord r, std::string) {
                                // (Catch's macros are not for other threads: count.)
                                if (!ok) return void(++refused);
                                // Told only once committed: a second connection reads it.
                                auto stored = reader->get(r.decision_id);
                                if (!stored || stored->hash != r.hash) ++not_stored;
                                std::lock_guard<std::mutex> lock(mu);
                                ++calls[r.agreement_id];
                                answered.push_back(std::move(r));
                              });
        // Synchronous callers share the same batches and the same chain.
        if (i % 10 == 0) {
          ArchiveRecord r;
          std::string error;
          if (archive->append(decision_for("S" + id), "s", "test", &r, &error)) ++sync_ok;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  archive.reset();  // writes what is still queued and answers it before returning
  CHECK(refused == 0);
  CHECK(not_stored == 0);
  CHECK(sync_ok == kThreads * kEach / 10);
  REQUIRE(answered.size() == kThreads * kEach);
  for (const auto& [id, n] : calls) CHECK(n == 1);
  CHECK(calls.size() == kThreads * kEach);
  std::set<int64_t> seqs;
  for (const auto& r : answered) {
    CHECK(r.document == to_json(decision_for(r.agreement_id), -1));
    CHECK(r.agreement == "x" + r.agreement_id);
    seqs.insert(r.seq);
  }
  CHECK(seqs.size() == answered.size());
  auto v = reader->verify();
  CHECK(v.ok);
  CHECK(v.records == kThreads * kEach + kThreads * kEach / 10);
}

TEST_CASE("an async caller's done may append again or throw, and every caller is still told",
          "[archive]") {
  // A server's `done` runs on the archive's own thread (the writer's, or with PostgreSQL the
  // teller's): appending from it must not deadlock, and one that throws must not stop the rest.
  std::string backend = GENERATE(from_range(backends()));
  INFO(backend);
  Store store(backend);
  auto archive = store.open();
  constexpr int kChains = 8, kDepth = 3;
  std::atomic<int> told{0}, refused{0};
  std::function<void(int, int)> start = [&](int chain, int depth) {
    archive->append_async(decision_for(fmt::format("C{}-{}", chain, depth)), "t", "test",
                          [&, chain, depth](bool ok, ArchiveRecord, std::string) {
                            ++told;
                            if (!ok) return void(++refused);
                            if (depth + 1 < kDepth) start(chain, depth + 1);
                            if (chain % 2 == 0) throw std::runtime_error("a done that throws");
                          });
  };
  for (int c = 0; c < kChains; ++c) start(c, 0);
  for (int i = 0; i < 1000 && told < kChains * kDepth; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK(told == kChains * kDepth);
  CHECK(refused == 0);
  CHECK(archive->all().size() == kChains * kDepth);
  CHECK(archive->verify().ok);
  archive.reset();
  CHECK(told == kChains * kDepth);  // nothing answered twice while closing
}

TEST_CASE("an async append that cannot be written is refused, and nothing is stored", "[archive]") {
  Fixture f(GENERATE(from_range(backends())));
  INFO(f.store.backend);
  refuse_inserts(f.store);
  std::atomic<int> ok_calls{0}, refusals{0};
  std::string first_error;
  std::mutex mu;
  for (int i = 0; i < 20; ++i) {
    f.archive->append_async(decision_for(fmt::format("X{}", i)), "text", "test",
                            [&](bool ok, ArchiveRecord, std::string error) {
                              if (ok) return void(++ok_calls);
                              ++refusals;
                              std::lock_guard<std::mutex> lock(mu);
                              if (first_error.empty()) first_error = error;
                            });
  }
  auto records = [&] { return f.archive->all().size(); };
  // The writer answers every one; wait for it without assuming how batches fell.
  for (int i = 0; i < 500 && ok_calls + refusals < 20; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK(ok_calls == 0);
  CHECK(refusals == 20);
  CHECK_THAT(first_error, Catch::Contains("disk full"));
  CHECK(records() == 5);
  CHECK(f.archive->verify().ok);
}

TEST_CASE("an async append into a removed SQLite file is refused", "[archive]") {
  Store store("sqlite");
  auto archive = store.open();
  ArchiveRecord r;
  std::string error;
  REQUIRE(archive->append(decision_for("before"), "t", "test", &r, &error));
  fs::remove(store.path);
  std::promise<std::pair<bool, std::string>> told;
  archive->append_async(decision_for("after"), "t", "test",
                        [&](bool ok, ArchiveRecord, std::string e) {
                          told.set_value({ok, std::move(e)});
                        });
  auto [ok, why] = told.get_future().get();
  CHECK_FALSE(ok);
  CHECK_THAT(why, Catch::Contains("was removed"));
}

TEST_CASE("texts that read as SQL or array syntax are stored byte for byte, in batches too",
          "[archive]") {
  // The PostgreSQL store sends a batch's columns as arrays (once literals, now in the binary
  // form with a length for each text): quotes, backslashes, braces, commas, `NULL` and empty
  // texts must come back exactly as they were hashed.
  std::string backend = GENERATE(from_range(backends()));
  INFO(backend);
  Store store(backend);
  auto archive = store.open();
  const std::vector<std::string> texts = {"",
                                          "NULL",
                                          "null",
                                          "\"",
                                          "\\",
                                          "\\\"",
                                          "{}",
                                          "{\"a\",\"b\"}",
                                          "a,b",
                                          "'; DROP TABLE x;--",
                                          "line\nbreak\ttab\r",
                                          "caf\xc3\xa9 \xe2\x80\x94 \xf0\x9f\x98\x80",
                                          "$1::text[]",
                                          " "};
  std::vector<ArchiveRecord> got(texts.size());
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  // Appended together, so that several share a batch.
  for (size_t i = 0; i < texts.size(); ++i) {
    threads.emplace_back([&, i] {
      std::string error;
      if (!archive->append(decision_for(texts[i].empty() ? "EMPTY" : texts[i]), texts[i],
                           texts[(i + 1) % texts.size()], &got[i], &error))
        ++failures;
    });
  }
  for (auto& th : threads) th.join();
  REQUIRE(failures == 0);
  for (size_t i = 0; i < texts.size(); ++i) {
    INFO(i);
    auto stored = archive->get(got[i].decision_id);
    REQUIRE(stored);
    CHECK(stored->agreement == texts[i]);
    CHECK(stored->caller == texts[(i + 1) % texts.size()]);
    CHECK(stored->agreement_id == got[i].agreement_id);
    CHECK(archive->list({got[i].agreement_id, "", 10}).size() == 1);
  }
  auto v = archive->verify();
  INFO((v.problems.empty() ? "" : v.problems.front()));
  CHECK(v.ok);
  CHECK(v.records == texts.size());
}

TEST_CASE("a PostgreSQL role with only the documented grants can append but not rewrite",
          "[archive]") {
  if (!postgres_url()) return;
  Store store("postgresql");
  store.open();  // creates the tables as the administrator
  std::string role = "steward_server_" + std::to_string(::getpid());
  pg_exec(postgres_url(), "DROP ROLE IF EXISTS " + role + "; CREATE ROLE " + role + " LOGIN;");
  store.sql("GRANT SELECT, INSERT ON decisions TO " + role +
            "; GRANT SELECT, UPDATE ON chain_head TO " + role +
            "; GRANT SELECT, INSERT, UPDATE ON standing TO " + role + ";");
  std::string url = store.url;
  url.replace(url.find("://") + 3, url.find('@') - url.find("://") - 3, role);
  std::string error;
  auto a = Archive::open(url, &error);
  INFO(error);
  REQUIRE(a);
  ArchiveRecord r;
  CHECK(a->append(decision_for("LEAST"), "x", "test", &r, &error));
  CHECK(a->verify().ok);
  PGconn* c = PQconnectdb(url.c_str());
  PGresult* res = PQexec(c, "UPDATE decisions SET decision = 'allow';");
  CHECK(PQresultStatus(res) == PGRES_FATAL_ERROR);
  CHECK_THAT(std::string(PQerrorMessage(c)), Catch::Contains("permission denied"));
  PQclear(res);
  PQfinish(c);
  a.reset();
  store.sql("REVOKE ALL ON decisions, chain_head, standing FROM " + role + ";");
  pg_exec(postgres_url(), "DROP ROLE " + role + ";");
}

TEST_CASE("an archive that cannot be reached is an error, not a silent success", "[archive]") {
  std::string error;
  CHECK_FALSE(Archive::open("postgresql://nobody@127.0.0.1:1/none?connect_timeout=2", &error));
  CHECK_THAT(error, Catch::Contains("cannot open the archive at PostgreSQL"));
  CHECK(error.find('\n') == std::string::npos);
  CHECK_FALSE(Archive::open("sqlite:/nonexistent-dir/a.db", &error));
  CHECK_THAT(error, Catch::Contains("cannot open the archive `/nonexistent-dir/a.db`"));
}

TEST_CASE("an archive's address is printed without any password in it", "[archive]") {
  // Each form libpq takes a password in, and what may be shown of it.
  const std::pair<const char*, const char*> cases[] = {
      {"postgresql://u:pw@h:5432/db", "postgresql://u:***@h:5432/db"},
      {"postgres://:pw@h/db", "postgres://:***@h/db"},
      {"postgresql://u@h/db", "postgresql://u@h/db"},
      {"postgresql://u:p@w@h/db", "postgresql://u:***@h/db"},
      {"postgresql://u@h/db?password=pw&sslmode=disable",
       "postgresql://u@h/db?password=***&sslmode=disable"},
      {"postgresql://h/db?sslmode=require&PASSWORD=pw",
       "postgresql://h/db?sslmode=require&PASSWORD=***"},
      {"postgresql://h/db?pass%77ord=pw", "postgresql://h/db?pass%77ord=***"},
      {"postgresql://h/db?sslpassword=pw&x=1&&password=",
       "postgresql://h/db?sslpassword=***&x=1&&password=***"},
      {"postgresql://u:pw@h/db?password=pw2", "postgresql://u:***@h/db?password=***"},
      // Unencoded `?`, `/` or `@` in a password, or an `@` in the query: hidden whole, and more.
      {"postgresql://u:p?w@h/db", "postgresql://u:***@h/db"},
      {"postgresql://u:a/pw@h/db?password=pw", "postgresql://u:***@h/db?password=***"},
      {"postgresql://h:5432/db?password=a@pw", "postgresql://h:***"},
      {"postgresql://u@h:5432/db?application_name=a@b", "postgresql://u@h:***@b"},
      {"host=h password=pw dbname=d", "host=h password=*** dbname=d"},
      {"host=h password = 'p w\\' x' dbname=d", "host=h password = *** dbname=d"},
      {"password=p\\ w", "password=***"},
      {"sqlite:/tmp/a.db", "sqlite:/tmp/a.db"},
      {"/var/lib/steward/archive.db", "/var/lib/steward/archive.db"},
  };
  for (const auto& [url, shown] : cases) {
    INFO(url);
    CHECK(redact_archive_url(url) == shown);
    // Nothing of a password survives, in any of the forms.
    CHECK(redact_archive_url(url).find("pw") == std::string::npos);
  }
  // libpq quotes a token it cannot read, a password too: the error does not pass it on.
  for (const char* url :
       {"postgresql://u:pw%zz@127.0.0.1:1/db", "postgresql://u@127.0.0.1:1/db?password=pw%zz",
        "postgresql://u@127.0.0.1:1/db?pass%77ord=pw%zz"}) {
    INFO(url);
    std::string error;
    CHECK_FALSE(Archive::open(url, &error));
    CHECK_THAT(error, Catch::Contains("invalid percent-encoded token"));
    CHECK(error.find("pw") == std::string::npos);
  }
  // Written or percent-decoded, as a message might quote either.
  CHECK(archive_internal::redact_archive_message("a p%41w b pAw c", "postgresql://u:p%41w@h/d") ==
        "a *** b *** c");
}

TEST_CASE("libpq's keyword/value form is refused, not taken for a file name", "[archive]") {
  const fs::path dir = fs::temp_directory_path() / ("steward_pairs_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string url = "host=127.0.0.1 port=1 password=s3cret dbname=d";
  // Relative to the working directory, where a file of that name would be made.
  const fs::path before = fs::current_path();
  fs::current_path(dir);
  std::string error;
  for (ArchiveMode mode : {ArchiveMode::kCreate, ArchiveMode::kExisting}) {
    CHECK_FALSE(Archive::open(url, &error, mode));
    CHECK_THAT(error, Catch::Contains("keyword/value form"));
    CHECK(error.find("s3cret") == std::string::npos);
  }
  CHECK(fs::is_empty(dir));
  fs::current_path(before);
  // Written as a file name on purpose, it is one.
  CHECK(Archive::open("sqlite:" + (dir / "host=a.db").string(), &error));
  fs::remove_all(dir);
}

TEST_CASE("CI runs the archive tests on PostgreSQL too", "[archive]") {
  // .ci/run starts a throwaway cluster; a CI run that lost it must not pass quietly.
  if (std::getenv("CI")) CHECK(postgres_url() != nullptr);
}

TEST_CASE("a review is bound to its decision's text and body, chained, and verified",
          "[archive][review]") {
  Fixture f(GENERATE(from_range(backends())));
  INFO(f.store.backend);
  const ArchiveRecord& asked = f.records[2];  // needs_review by the governance committee
  REQUIRE(asked.decision == "needs_review");
  REQUIRE(reviewers_asked(asked) == std::vector<std::string>{"data_governance_committee"});
  Review review{asked.decision_id,
                asked.agreement_digest,
                "data_governance_committee",
                "request_changes",
                "name the purpose\nin the summary",
                "dgc-chair"};
  ArchiveRecord first, second;
  std::string error;
  bool refused = true;
  REQUIRE(f.archive->append_review(review, &first, &error, &refused));
  CHECK_FALSE(refused);
  review.verdict = "approve";
  review.note = "";
  REQUIRE(f.archive->append_review(review, &second, &error));
  CHECK(first.decision_id.rfind("r-", 0) == 0);
  CHECK(first.seq == 6);
  CHECK(first.prev_hash == f.records[4].hash);
  CHECK(first.agreement_id == asked.agreement_id);
  CHECK(first.agreement.empty());
  CHECK(first.caller == "dgc-chair");
  std::optional<Review> back = review_in(second);
  REQUIRE(back);
  CHECK(back->verdict == "approve");
  CHECK(back->decision_id == asked.decision_id);
  auto history = f.archive->reviews_of(asked);
  REQUIRE(history.size() == 2);
  CHECK(history[0].decision_id == first.decision_id);
  CHECK(review_in(history[0])->note == "name the purpose\nin the summary");
  // Reviews are listed by kind, not as decisions.
  CHECK(f.archive->list({"", "review", 10}).size() == 2);
  CHECK(f.archive->list({"", "needs_review", 10}).size() == 1);
  CHECK(f.problems().empty());
}

TEST_CASE("a decision that counted no reviews is stored only if none came since",
          "[archive][review]") {
  Fixture f(GENERATE(from_range(backends())));
  INFO(f.store.backend);
  const ArchiveRecord& asked = f.records[2];
  const std::string other_id = f.records[0].agreement_id;
  std::string error;
  ArchiveRecord r;
  if (f.store.backend == "sqlite") {
    // Its reads are local: it never vouches for "none", and refuses a decision that says it did.
    CHECK_FALSE(f.archive->known_without_reviews(asked.agreement_id));
    const size_t before = f.archive->verify().records;
    CHECK_FALSE(f.archive->append(decision_for(asked.agreement_id), "x", "test", &r, &error, 3));
    CHECK(error == kReviewsChanged);
    CHECK(f.archive->verify().records == before);
    return;
  }
  // The fixture's appends read which agreements have reviews: none has.
  const std::optional<int64_t> seen = f.archive->known_without_reviews(asked.agreement_id);
  REQUIRE(seen);
  const std::optional<int64_t> seen_other = f.archive->known_without_reviews(other_id);
  REQUIRE(seen_other);
  // Another server records a review on the asked agreement.
  auto other = f.store.open();
  Review review{
      asked.decision_id, asked.agreement_digest, "data_governance_committee", "approve", "",
      "dgc-chair"};
  REQUIRE(other->append_review(review, &r, &error));
  // This server's view is behind and still says none...
  CHECK(f.archive->known_without_reviews(asked.agreement_id) == seen);
  const size_t before = f.archive->verify().records;
  // ...but its writer refuses the decision that trusted it, and stores nothing of it.
  CHECK_FALSE(f.archive->append(decision_for(asked.agreement_id), "x", "test", &r, &error, *seen));
  CHECK(error == kReviewsChanged);
  CHECK(f.archive->verify().records == before);
  CHECK_FALSE(f.archive->known_without_reviews(asked.agreement_id));
  // An agreement nobody reviewed is stored on the same word.
  CHECK(f.archive->append(decision_for(other_id), "x", "test", &r, &error, *seen_other));
  // Decided again, with its records read, the decision is stored.
  CHECK(f.archive->append(decision_for(asked.agreement_id), "x", "test", &r, &error));
  // The same refusal reaches an async caller.
  std::promise<std::pair<bool, std::string>> told;
  f.archive->append_async(
      decision_for(asked.agreement_id), "x", "test",
      [&](bool ok, ArchiveRecord, std::string e) {
        told.set_value({ok, e});
      },
      *seen);
  const auto [ok, async_error] = told.get_future().get();
  CHECK_FALSE(ok);
  CHECK(async_error == kReviewsChanged);
  CHECK(f.problems().empty());
}

TEST_CASE("a review through the same archive makes its earlier \"none\" stale at once",
          "[archive][review]") {
  if (!postgres_url()) return;  // only PostgreSQL vouches for "none"
  Fixture f("postgresql");
  const ArchiveRecord& asked = f.records[2];
  const std::optional<int64_t> seen = f.archive->known_without_reviews(asked.agreement_id);
  REQUIRE(seen);
  Review review{
      asked.decision_id, asked.agreement_digest, "data_governance_committee", "request_changes", "",
      "dgc-chair"};
  ArchiveRecord r;
  std::string error;
  REQUIRE(f.archive->append_review(review, &r, &error));
  CHECK_FALSE(f.archive->known_without_reviews(asked.agreement_id));
  CHECK_FALSE(f.archive->append(decision_for(asked.agreement_id), "x", "test", &r, &error, *seen));
  CHECK(error == kReviewsChanged);
  CHECK(f.problems().empty());
}

TEST_CASE("a thread that must not wait is sent elsewhere, never given a decision without records",
          "[archive][review]") {
  // load_with_reviews with needs_read (an I/O thread): what the archive vouches for is decided
  // there; anything else gives no document at all, so no decision can count approvals it
  // never read.
  Fixture f(GENERATE(from_range(backends())));
  INFO(f.store.backend);
  auto pack = compile_pack(steward::testing::source_dir() + "/policies/dcf-5-4");
  REQUIRE(pack.ok());
  const ArchiveRecord& asked = f.records[2];
  const std::string text = steward::testing::read_text(
      steward::testing::source_dir() +
      "/policies/dcf-5-4/examples/agreements/10-unknown-purpose-review.yaml");
  auto unread = [&](int64_t* as_of) {
    bool needs = false;
    LoadResult r = load_with_reviews(*f.archive, *pack.pack, text, "10.yaml", {},
                                     DocumentFormat::kAuto, nullptr, as_of, &needs);
    CHECK(needs);
    CHECK_FALSE(r.ok());
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors[0].code == "archive.unread");
    if (as_of) CHECK(*as_of == -1);
  };
  int64_t as_of = 7;
  if (f.store.backend == "sqlite") {
    unread(&as_of);  // it never vouches for "none"
    unread(nullptr);
    return;
  }
  bool needs = true;
  LoadResult vouched = load_with_reviews(*f.archive, *pack.pack, text, "10.yaml", {},
                                         DocumentFormat::kAuto, nullptr, &as_of, &needs);
  CHECK_FALSE(needs);
  REQUIRE(vouched.ok());
  CHECK(vouched.document->id() == asked.agreement_id);
  CHECK(as_of >= 0);
  ArchiveRecord r;
  std::string error;
  REQUIRE(f.archive->append_review({asked.decision_id, asked.agreement_digest,
                                    "data_governance_committee", "approve", "", "dgc-chair"},
                                   &r, &error));
  unread(&as_of);
  unread(nullptr);
  // Where it may wait, the same call reads the records and decides.
  LoadResult read = load_with_reviews(*f.archive, *pack.pack, text, "10.yaml", {},
                                      DocumentFormat::kAuto, nullptr, &as_of);
  CHECK(read.ok());
  CHECK(as_of == -1);
}

TEST_CASE("concurrent review reads each get their own agreement's reviews, newest first",
          "[archive][review]") {
  // PostgreSQL gathers concurrent reads into one statement for many agreements: each caller
  // must still get exactly its agreement's reviews, in order, up to its own limit.
  Fixture f(GENERATE(from_range(backends())));
  INFO(f.store.backend);
  const ArchiveRecord& asked = f.records[2];
  REQUIRE(asked.decision == "needs_review");
  std::vector<std::string> review_ids;
  for (const char* verdict : {"request_changes", "request_changes", "approve"}) {
    Review review{
        asked.decision_id, asked.agreement_digest, "data_governance_committee", verdict, "",
        "dgc-chair"};
    ArchiveRecord r;
    std::string error;
    REQUIRE(f.archive->append_review(review, &r, &error));
    review_ids.insert(review_ids.begin(), r.decision_id);  // newest first
  }
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 24; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 30; ++i) {
        const ArchiveRecord& on = f.records[static_cast<size_t>((t + i) % 5)];
        const size_t limit = static_cast<size_t>(1 + (t % 4));
        std::vector<ArchiveRecord> got = f.archive->reviews_on(on.agreement_id, limit);
        std::vector<std::string> ids;
        for (const ArchiveRecord& r : got) ids.push_back(r.decision_id);
        std::vector<std::string> want;
        if (on.agreement_id == asked.agreement_id)
          want.assign(review_ids.begin(),
                      review_ids.begin() + static_cast<ptrdiff_t>(std::min(limit, size_t{3})));
        if (ids != want) ++wrong;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(wrong == 0);
}

TEST_CASE("a review is refused for the wrong body, changed text, or a decision without review",
          "[archive][review]") {
  Fixture f(GENERATE(from_range(backends())));
  INFO(f.store.backend);
  const ArchiveRecord& asked = f.records[2];
  auto refusal = [&](Review r) {
    ArchiveRecord out;
    std::string error;
    bool refused = false;
    CHECK_FALSE(f.archive->append_review(r, &out, &error, &refused));
    CHECK(refused);
    return error;
  };
  const Review good{
      asked.decision_id, asked.agreement_digest, "data_governance_committee", "approve", "",
      "dgc-chair"};
  Review r = good;
  r.body = "cphs";
  CHECK_THAT(refusal(r), Catch::Contains("did not ask `cphs` for review; it asked: "
                                         "`data_governance_committee`"));
  r = good;
  r.agreement_digest = f.records[0].agreement_digest;
  CHECK_THAT(refusal(r), Catch::Contains("is not the text `" + asked.decision_id + "` decided"));
  r = good;
  r.decision_id = f.records[1].decision_id;  // a deny
  CHECK_THAT(refusal(r), Catch::Contains("only a needs_review decision is reviewed"));
  r = good;
  r.decision_id = "d-0000000000ffffffffffffff";
  CHECK_THAT(refusal(r), Catch::Contains("there is no decision"));
  r = good;
  r.verdict = "allow";
  CHECK_THAT(refusal(r), Catch::Contains("is not approve, deny or request_changes"));
  r = good;
  r.note = "looks fine\x1b[2K\rALLOW";
  CHECK_THAT(refusal(r), Catch::Contains("the note must be"));
  r = good;
  r.reviewer = "";
  CHECK_THAT(refusal(r), Catch::Contains("the reviewer needs a name"));
  // The proposer sends new text under the same id: the old decision can no longer be reviewed.
  Decision d;
  d.agreement = asked.agreement_id;
  d.outcome = Outcome::kNeedsReview;
  ArchiveRecord newer;
  std::string error;
  REQUIRE(f.archive->append(d, "changed text", "test", &newer, &error));
  CHECK_THAT(refusal(good), Catch::Contains("has changed since `" + asked.decision_id + "`") &&
                                Catch::Contains(newer.decision_id));
  // Nothing refused was written.
  CHECK(f.archive->list({"", "review", 10}).empty());
  CHECK(f.problems().empty());
}

TEST_CASE("verify names a review record that was forged or moved to another decision",
          "[archive][review]") {
  std::string backend = GENERATE(from_range(backends()));
  INFO(backend);
  Fixture f(backend);
  const ArchiveRecord& asked = f.records[2];
  ArchiveRecord review;
  std::string error;
  REQUIRE(f.archive->append_review({asked.decision_id, asked.agreement_digest,
                                    "data_governance_committee", "approve", "", "dgc-chair"},
                                   &review, &error));
  // Rewritten to approve a denied agreement, hash recomputed: the link check names it.
  ArchiveRecord moved = review;
  moved.document.replace(moved.document.find(asked.decision_id), asked.decision_id.size(),
                         f.records[1].decision_id);
  moved.agreement_digest = f.records[1].agreement_digest;
  moved.agreement_id = f.records[1].agreement_id;
  moved.hash = archive_record_hash(moved);
  f.store.sql(fmt::format(
      "UPDATE decisions SET document = '{}', agreement_digest = '{}', agreement_id = '{}', "
      "hash = '{}' WHERE seq = 6;",
      moved.document, moved.agreement_digest, moved.agreement_id, moved.hash));
  CHECK_THAT(f.problems(),
             Catch::Contains("review record 6 (" + review.decision_id + ") does not link") &&
                 Catch::Contains("a decision that asked for no review"));
  // A review typed straight into the database with its own chain hash has the wrong id.
  Fixture g(backend);
  ArchiveRecord forged = g.records[4];
  forged.seq = 6;
  forged.prev_hash = g.records[4].hash;
  forged.decision = "review";
  forged.agreement = "";
  forged.document = "{\"decision\":\"review\"}";
  forged.hash = archive_record_hash(forged);
  g.store.sql(fmt::format(
      "INSERT INTO decisions SELECT 6, '{}', time, agreement_id, agreement_digest, '', "
      "pack_name, pack_version, pack_digest, 'review', '{}', caller, '{}', '{}' FROM decisions "
      "WHERE seq = 5;",
      forged.decision_id + "x", forged.document, forged.prev_hash, forged.hash));
  CHECK_THAT(g.problems(), Catch::Contains("its review document is not a review"));
}

TEST_CASE("every query filter reads the same records from SQL as the in-memory reference",
          "[archive][query]") {
  Fixture f(GENERATE(from_range(backends())));
  INFO(f.store.backend);
  const ArchiveRecord& asked = f.records[2];
  ArchiveRecord review, later;
  std::string error;
  REQUIRE(f.archive->append_review({asked.decision_id, asked.agreement_digest,
                                    "data_governance_committee", "request_changes", "", "dgc"},
                                   &review, &error));
  // A newer decision on the first agreement: the first no longer stands.
  Decision d = decision_for(f.records[0].agreement_id);
  REQUIRE(f.archive->append(d, "newer text", "proposer-2", &later, &error));
  const std::vector<ArchiveRecord> all = f.archive->all();
  REQUIRE(all.size() == 7);
  auto reference = [&](const ArchiveQuery& q) {
    std::vector<int64_t> out;
    for (auto it = all.rbegin(); it != all.rend(); ++it) {
      if (!q.matches(*it)) continue;
      if (q.latest_only && std::any_of(all.rbegin(), it, [&](const ArchiveRecord& n) {
            return n.agreement_id == it->agreement_id && !n.is_review();
          }))
        continue;
      out.push_back(it->seq);
    }
    if (q.oldest_first) std::reverse(out.begin(), out.end());
    if (out.size() > q.limit) out.resize(q.limit);
    return out;
  };
  const std::string today = all.back().time.substr(0, 10);
  std::vector<ArchiveQuery> queries(16);
  queries[1].decision = "review";
  queries[2].caller = "proposer-2";
  queries[3].caller = "dgc";
  queries[4].clause = "sharing.purpose";
  queries[5].clause = "request.channel";
  queries[6].clause = "sharing\"purpose";  // quotes match nothing, and break no SQL
  queries[7].from = today;
  queries[8].to = "2000-01-01";
  queries[9].from = "2000-01-01";
  queries[9].to = today;
  queries[10].before_seq = 4;
  queries[11].decisions_only = true;
  queries[12].latest_only = true;
  queries[13].latest_only = true;
  queries[13].decision = "needs_review";
  queries[13].oldest_first = true;
  queries[14].agreement_id = f.records[0].agreement_id;
  queries[14].decisions_only = true;
  queries[14].limit = 1;
  queries[15].oldest_first = true;
  queries[15].limit = 2;
  for (size_t i = 0; i < queries.size(); ++i) {
    INFO("query " << i);
    std::vector<int64_t> got;
    for (const ArchiveRecord& r : f.archive->list(queries[i])) got.push_back(r.seq);
    CHECK(got == reference(queries[i]));
  }
  // The cases above are not vacuous: each filter keeps some records and drops others.
  CHECK(reference(queries[4]) == std::vector<int64_t>{3});
  CHECK(reference(queries[3]) == std::vector<int64_t>{6});
  CHECK(reference(queries[12]) == std::vector<int64_t>{7, 5, 4, 3, 2});
  CHECK(reference(queries[14]) == std::vector<int64_t>{7});
  CHECK(reference(queries[8]).empty());
  CHECK(reference(queries[9]).size() == 7);
  CHECK(f.archive->latest_decision(f.records[0].agreement_id)->seq == 7);
  CHECK_FALSE(f.archive->latest_decision("DSA-NONE"));
}

TEST_CASE("the review queue holds standing needs_review decisions until each body has spoken",
          "[archive][review]") {
  Fixture f(GENERATE(from_range(backends())));
  INFO(f.store.backend);
  const ArchiveRecord& asked = f.records[2];
  bool cut = true;
  auto waiting = f.archive->waiting_for_review(100, &cut);
  CHECK_FALSE(cut);
  REQUIRE(waiting.size() == 1);
  CHECK(waiting[0].decision.decision_id == asked.decision_id);
  CHECK(waiting[0].bodies == std::vector<std::string>{"data_governance_committee"});
  // A verdict, even request_changes, takes it off the body's queue: the proposer acts next.
  ArchiveRecord review;
  std::string error;
  REQUIRE(f.archive->append_review({asked.decision_id, asked.agreement_digest,
                                    "data_governance_committee", "request_changes", "", "dgc"},
                                   &review, &error));
  CHECK(f.archive->waiting_for_review(100).empty());
  // New text under the same id that asks again is on the queue again; the old one is not.
  Decision d = decision_for(asked.agreement_id);
  d.outcome = Outcome::kNeedsReview;
  d.reviewers = {"commissioner", "data_governance_committee"};
  ArchiveRecord newer;
  REQUIRE(f.archive->append(d, "changed text", "test", &newer, &error));
  waiting = f.archive->waiting_for_review(100);
  REQUIRE(waiting.size() == 1);
  CHECK(waiting[0].decision.decision_id == newer.decision_id);
  CHECK(waiting[0].bodies.size() == 2);
  CHECK(f.archive->waiting_for_review(0, &cut).empty());
  CHECK(cut);
}

TEST_CASE("an archive from before the standing table gets it filled, and readers without it scan",
          "[archive][query]") {
  Fixture f(GENERATE(from_range(backends())));
  INFO(f.store.backend);
  ArchiveRecord later;
  std::string error;
  Decision d = decision_for(f.records[0].agreement_id);
  d.outcome = Outcome::kNeedsReview;
  d.reviewers = {"cphs"};
  REQUIRE(f.archive->append(d, "newer text", "test", &later, &error));
  ArchiveQuery standing;
  standing.latest_only = true;
  standing.oldest_first = true;
  std::vector<int64_t> expected;
  for (const ArchiveRecord& r : f.archive->list(standing)) expected.push_back(r.seq);
  CHECK(expected == std::vector<int64_t>{2, 3, 4, 5, 6});
  f.archive.reset();
  f.store.sql("DROP TABLE standing;");
  auto seqs = [&](Archive& a) {
    std::vector<int64_t> out;
    for (const ArchiveRecord& r : a.list(standing)) out.push_back(r.seq);
    return out;
  };
  // A reader does not create it: it finds what stands by scanning.
  auto reader = Archive::open(f.store.url, &error, ArchiveMode::kExisting);
  REQUIRE(reader);
  CHECK(seqs(*reader) == expected);
  reader.reset();
  // A writer creates and fills it, and keeps it from then on.
  auto writer = f.store.open();
  CHECK(seqs(*writer) == expected);
  REQUIRE(writer->append(decision_for(f.records[1].agreement_id), "again", "test", &later, &error));
  CHECK(seqs(*writer) == std::vector<int64_t>{3, 4, 5, 6, 7});
  CHECK(writer->waiting_for_review(10).size() == 2);
}
