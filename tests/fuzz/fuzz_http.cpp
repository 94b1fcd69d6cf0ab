// libFuzzer target: raw bytes sent to `steward serve`'s routes over a loopback socket, through
// the connection layer (http_server.h: Beast's request parser, the limits, keep-alive,
// 100-continue) and every handler (evaluate, batch, policy, decisions, health,
// metrics). The first byte picks the open server or the one that requires a bearer token
// (`fuzz-token`). Any crash, hang or sanitizer report in the server's threads is a finding.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <thread>

#include "http_server.h"
#include "service.h"
#include "steward/compiler.h"

namespace {

// An archive in memory that keeps the last 4 records only: a long run does not grow without
// bound, and a listing (every record parsed and rendered again) stays a small part of the run.
// With 16, the staff search's parsing of each record's decision took 45% of a run's time and
// the corpus replayed at 177 inputs a second; with 4, at 322, with the same coverage.
// The durable archives are tested by archive_test and the fault test.
class RingArchive : public steward::Archive {
 public:
  bool append(const steward::Decision& d, std::string_view text, std::string_view caller,
              steward::ArchiveRecord* out, std::string* error, int64_t no_reviews_as_of) override {
    // It never vouches for "no reviews" (known_without_reviews), so a seq is a caller's bug.
    if (no_reviews_as_of >= 0) {
      *error = std::string(steward::kReviewsChanged);
      return false;
    }
    steward::ArchiveRecord r;
    r.agreement_id = d.agreement;
    r.agreement_digest = "sha256:" + steward::sha256_hex(text);
    r.agreement = std::string(text);
    r.decision = steward::outcome_name(d.outcome);
    r.document = steward::to_json(d, -1);
    r.caller = std::string(caller);
    return append_record(std::move(r), out, error);
  }
  bool append_record(steward::ArchiveRecord r, steward::ArchiveRecord* out, std::string*) override {
    std::lock_guard<std::mutex> lock(mu_);
    r.seq = ++seq_;
    r.time = "2026-01-01T00:00:00Z";
    r.decision_id =
        std::string(r.is_review() ? "r-" : "d-") +
        std::to_string(1000000000000000000ull + static_cast<uint64_t>(r.seq)).substr(0, 22);
    records_.push_back(r);
    if (records_.size() > 4) records_.pop_front();
    if (out) *out = r;
    return true;
  }
  std::vector<steward::ArchiveRecord> reviews_on(std::string_view agreement_id,
                                                 size_t limit) override {
    return list({std::string(agreement_id), steward::ArchiveRecord::kReviewKind, limit});
  }
  bool enable_checkpoints(const steward::CheckpointOptions&, std::string* error) override {
    *error = "the fuzzing archive keeps no checkpoints";
    return false;
  }
  std::vector<steward::ArchiveRecord> list(const steward::ArchiveQuery& q) override {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<steward::ArchiveRecord> out;
    for (auto it = records_.rbegin(); it != records_.rend(); ++it) {
      if (!q.matches(*it)) continue;
      if (q.latest_only &&
          std::any_of(records_.rbegin(), it, [&](const steward::ArchiveRecord& newer) {
            return newer.agreement_id == it->agreement_id && !newer.is_review();
          }))
        continue;
      out.push_back(*it);
    }
    if (q.oldest_first) std::reverse(out.begin(), out.end());
    if (out.size() > q.limit) out.resize(q.limit);
    return out;
  }
  std::optional<steward::ArchiveRecord> get(std::string_view id) override {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& r : records_)
      if (r.decision_id == id) return r;
    return std::nullopt;
  }
  std::vector<steward::ArchiveRecord> all() override {
    std::lock_guard<std::mutex> lock(mu_);
    return {records_.begin(), records_.end()};
  }
  steward::ArchiveVerification verify() override { return {}; }

 private:
  std::mutex mu_;
  std::deque<steward::ArchiveRecord> records_;
  int64_t seq_ = 0;
};

struct Fixture {
  RingArchive archive;
  std::unique_ptr<steward::cli::Service> open, guarded;
  std::unique_ptr<steward::cli::HttpServer> open_server, guarded_server;

  Fixture() {
    auto r = steward::compile_pack(STEWARD_SOURCE_DIR "/policies/dcf-5-4");
    if (!r.ok()) std::abort();
    auto served = steward::cli::make_served(r.pack);
    // The access log is on (it renders client bytes as JSON) but goes nowhere.
    auto discard = [](const std::string&) {};
    open = std::make_unique<steward::cli::Service>(served, &archive,
                                                   steward::cli::ServiceOptions{{}, true, discard});
    guarded = std::make_unique<steward::cli::Service>(
        served, &archive,
        steward::cli::ServiceOptions{
            {{"fuzz", "fuzz-token", {"admin", "propose", "read", "review:commissioner"}}},
            true,
            discard});
    steward::cli::HttpServerOptions o;
    o.threads = 2;
    o.max_body = 1 << 16;
    o.header_ms = o.idle_ms = o.body_ms = o.write_ms = 1000;
    open_server = std::make_unique<steward::cli::HttpServer>(*open, o);
    guarded_server = std::make_unique<steward::cli::HttpServer>(*guarded, o);
    for (auto* server : {open_server.get(), guarded_server.get()}) {
      std::string error;
      if (!server->listen(&error)) {
        std::fprintf(stderr, "fuzz_http: %s\n", error.c_str());
        std::abort();
      }
      std::thread([server] { server->run(); }).detach();
    }
  }
};

Fixture& fixture() {
  static Fixture* f = new Fixture();
  return *f;
}

// Sends `data` as one connection's bytes and reads until the server closes it.
void exchange(int port, const uint8_t* data, size_t size) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) std::abort();
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int tries = 0;
  while (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    if (++tries == 200) {
      std::perror("fuzz_http: cannot connect to the server under test");
      std::abort();
    }
    ::close(fd);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
  }
  // Close with a reset: tens of thousands of connections a minute would otherwise exhaust the
  // ephemeral ports in TIME_WAIT.
  linger no_linger{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &no_linger, sizeof no_linger);
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  size_t sent = 0;
  while (sent < size) {
    ssize_t n = ::send(fd, data + sent, size - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may close early (413, a bad request line)
    sent += static_cast<size_t>(n);
  }
  ::shutdown(fd, SHUT_WR);
  char buf[65536];
  while (::recv(fd, buf, sizeof buf, 0) > 0) {
  }
  ::close(fd);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Fixture& f = fixture();
  if (size == 0) return 0;
  exchange(data[0] & 1 ? f.guarded_server->port() : f.open_server->port(), data + 1, size - 1);
  return 0;
}
