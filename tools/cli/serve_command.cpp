// `steward serve`: the evaluator over HTTP (cpp-httplib), with the decision archive.
#include <fmt/format.h>
#include <httplib.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "access.h"
#include "commands.h"
#include "common.h"
#include "reload.h"
#include "service.h"
#include "steward/archive.h"
#include "steward/compiler.h"
#include "steward/evaluator.h"

namespace steward::cli {
namespace {

using Json = nlohmann::ordered_json;

std::atomic<bool> g_reload{false};
std::atomic<bool> g_stop{false};
httplib::Server* g_server = nullptr;

extern "C" void on_signal(int sig) {
  if (sig == SIGHUP) {
    g_reload = true;
  } else {
    g_stop = true;
    if (g_server) g_server->stop();
  }
}

// Debian's cpp-httplib is a compiled library that listens with a backlog of 5, so a burst of
// clients connecting at once loses SYNs and waits a second for the retransmit. listen() again on
// the bound socket raises the backlog; the socket is found by its port since httplib keeps it
// private.
void widen_backlog(int port) {
  for (int fd = 3; fd < 1024; ++fd) {
    int listening = 0;
    socklen_t len = sizeof listening;
    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 || !listening) continue;
    sockaddr_storage addr{};
    socklen_t alen = sizeof addr;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &alen) != 0) continue;
    int bound = addr.ss_family == AF_INET6
                    ? ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port)
                    : ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
    if (bound == port) ::listen(fd, SOMAXCONN);
  }
}

}  // namespace

int run_serve(const ServeOptions& o) {
  std::map<std::string, std::string> params;
  if (!parse_params(o.params, &params)) return kExitError;
  auto load = [&]() -> std::shared_ptr<Served> {
    CompileResult r = load_pack(o.pack, o.bundle, params, false, o.trust_keys, o.max_cost);
    if (!r.ok()) return nullptr;
    return make_served(r.pack);
  };
  std::shared_ptr<Served> served = load();
  if (!served) {
    log_line("serve: the policy pack has errors; not starting");
    return kExitError;
  }

  if (o.no_archive && !o.checkpoints.file.empty()) {
    log_line("error[usage]: --checkpoints needs an archive; drop --no-archive");
    return kExitError;
  }
  std::unique_ptr<Archive> archive;
  if (!o.no_archive) {
    std::string error;
    archive = Archive::open(o.archive, &error);
    if (!archive) {
      log_line(fmt::format("error[archive.open]: {}", error));
      return kExitError;
    }
    if (!setup_checkpoints(*archive, o.checkpoints)) return kExitError;
  }
  // Named bearer tokens (access.h): read and checked before anything listens.
  std::vector<std::pair<std::string, std::string>> tokens;
  if (!o.token_file.empty()) {
    std::vector<Token> parsed;
    std::vector<std::string> errors;
    if (!read_token_file(o.token_file, &parsed, &errors)) {
      for (const auto& e : errors) log_line(e);
      return kExitError;
    }
    for (auto& t : parsed) tokens.emplace_back(std::move(t.name), std::move(t.token));
  }
  // Nobody reads decisions by accident: a server others can reach needs tokens.
  const std::string host = o.listen.substr(0, o.listen.rfind(':'));
  if (tokens.empty()) {
    if (!is_loopback_host(host) && !o.insecure) {
      log_line(fmt::format(
          "error[serve.insecure]: `{}` can be reached from other machines and no --token-file "
          "is given, so anyone who can reach it could evaluate agreements and read every "
          "archived decision; give --token-file, listen on 127.0.0.1, or say --insecure",
          escape_for_display(o.listen)));
      return kExitError;
    }
    log_line(is_loopback_host(host)
                 ? "warning[serve.no-auth]: no --token-file: every local user and process can "
                   "evaluate agreements and read the archive"
                 : "warning[serve.insecure]: --insecure: no authentication on an address other "
                   "machines can reach");
  }

  std::unique_ptr<httplib::Server> server_ptr;
  if (!o.tls_cert.empty() || !o.tls_key.empty()) {
    auto tls = std::make_unique<httplib::SSLServer>(o.tls_cert.c_str(), o.tls_key.c_str());
    if (!tls->is_valid()) {
      log_line(fmt::format("error[serve.tls]: cannot load the certificate `{}` and key `{}`",
                           o.tls_cert, o.tls_key));
      return kExitError;
    }
    server_ptr = std::move(tls);
  } else {
    server_ptr = std::make_unique<httplib::Server>();
  }
  httplib::Server& server = *server_ptr;
  server.set_payload_max_length(o.max_body);
  server.set_read_timeout(10, 0);
  server.set_write_timeout(10, 0);
  server.set_keep_alive_timeout(5);
  // A kept-alive connection holds one worker while it is open, so there are enough workers for
  // many clients; connections are reused for many requests rather than httplib's default 5.
  server.set_keep_alive_max_count(10000);
  // Without it, a response written in two segments waits on the client's delayed ACK (40 ms).
  server.set_tcp_nodelay(true);
  const size_t workers = o.threads;
  server.new_task_queue = [workers] { return new httplib::ThreadPool(workers); };

  // Listen first: the Host check needs the port actually bound.
  const std::string bind_host =
      host.size() > 2 && host.front() == '[' ? host.substr(1, host.size() - 2) : host;
  int port = std::atoi(o.listen.substr(o.listen.rfind(':') + 1).c_str());
  if (port == 0) {
    port = server.bind_to_any_port(bind_host);
  } else if (!server.bind_to_port(bind_host, port)) {
    port = -1;
  }
  if (port <= 0) {
    log_line(fmt::format("error[serve.listen]: cannot listen on {}", escape_for_display(o.listen)));
    return kExitError;
  }
  widen_backlog(port);

  ServiceOptions service_options;
  service_options.tokens = tokens;
  service_options.access_log = !o.quiet;
  auto host_check = std::make_shared<HostCheck>(host, port, o.server_names);
  service_options.host_allowed = [host_check](std::string_view h) { return host_check->allows(h); };
  Service service(served, archive.get(), service_options);
  service.install(server);

  std::string banner = fmt::format("steward serving {} {} ({}) on {}://{}:{}\n", served->pack->name,
                                   served->pack->version, served->pack->digest,
                                   o.tls_cert.empty() ? "http" : "https", host, port);
  (void)std::fwrite(banner.data(), 1, banner.size(), stdout);
  std::fflush(stdout);

  g_server = &server;
  std::signal(SIGHUP, on_signal);
  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);
  // Reload on SIGHUP, and with --watch when the pack's files change. A reload must never serve
  // a pack the operator did not mean (reload.h): --watch waits until the files have stopped
  // changing for a second, every reload compiles one consistent version of the files (their
  // content is the same before and after), and the new pack must keep every rule and clause
  // and pass its own tests. Otherwise the old pack keeps serving and the refusal is visible in
  // the log, /readyz and /metrics. In-flight requests keep the pack they started with.
  const std::string source = o.bundle.empty() ? o.pack : o.bundle;
  ReloadPolicy policy;
  policy.allow_removals = o.reload_allow_removals;
  auto attempt = [&]() -> bool {  // false: the files changed while they were read; try again
    const std::string before = content_fingerprint(source);
    auto next = load();
    std::string reason;
    if (!next) {
      reason = "the new pack does not compile; the old one keeps serving";
    } else {
      reason = refuse_reason(*service.current()->pack, *next->pack, o.bundle.empty() ? o.pack : "",
                             policy);
    }
    if (content_fingerprint(source) != before) return false;
    if (!reason.empty()) {
      service.record_reload(false, reason, next ? next->pack->digest : "");
      log_line(json_text(Json{{"event", "reload"}, {"ok", false}, {"message", reason}}));
      return true;
    }
    service.replace(next);
    service.record_reload(true, "", next->pack->digest);
    log_line(json_text(Json{{"event", "reload"}, {"ok", true}, {"digest", next->pack->digest}}));
    return true;
  };
  std::thread reloader([&] {
    using Clock = std::chrono::steady_clock;
    std::string seen = o.watch ? stat_fingerprint(source) : "";
    bool pending = false;
    Clock::time_point changed_at;
    int ticks = 0;
    while (!g_stop) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      if (o.watch && ++ticks % 2 == 0) {
        std::string fp = stat_fingerprint(source);
        if (fp != seen) {
          seen = fp;
          pending = true;
          changed_at = Clock::now();
        } else if (pending &&
                   Clock::now() - changed_at >= std::chrono::milliseconds(o.debounce_ms)) {
          pending = false;
          g_reload = true;
        }
      }
      if (!g_reload.exchange(false)) continue;
      if (!attempt()) {
        // Still being written: wait for the files to settle, then try again.
        pending = true;
        changed_at = Clock::now();
        if (!o.watch) g_reload = true;
      }
    }
  });
  server.listen_after_bind();
  g_stop = true;
  reloader.join();
  g_server = nullptr;
  return kExitAllow;
}

}  // namespace steward::cli
