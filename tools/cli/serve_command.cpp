// `steward serve`: the evaluator over HTTP (http_server.h), with the decision archive.
#include <fmt/format.h>
#include <sys/resource.h>

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
#include "http_server.h"
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

// Only flags: the reloader thread acts on them (a signal handler may not take locks).
extern "C" void on_signal(int sig) {
  if (sig == SIGHUP) {
    g_reload = true;
  } else {
    g_stop = true;
  }
}

// Each connection is a descriptor: raise the soft limit to the hard one, and keep the
// connection limit under it so that accept() never fails for want of one.
size_t descriptor_budget() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return 1024;
  if (lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &lim) != 0) getrlimit(RLIMIT_NOFILE, &lim);
  }
  return lim.rlim_cur == RLIM_INFINITY ? size_t{1} << 20 : static_cast<size_t>(lim.rlim_cur);
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
  std::vector<Grant> tokens;
  if (!o.token_file.empty()) {
    std::vector<Token> parsed;
    std::vector<std::string> errors;
    // `review:<body>` names a reviewer body the pack declares (the one served at start).
    std::vector<std::string> bodies;
    for (const auto& r : served->pack->reviewers) bodies.push_back(r.name);
    if (!read_token_file(o.token_file, bodies, &parsed, &errors)) {
      for (const auto& e : errors) log_line(e);
      return kExitError;
    }
    for (auto& t : parsed) tokens.push_back({std::move(t.name), std::move(t.token), t.roles});
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

  // Listen first: the Host check needs the port actually bound.
  HttpServerOptions http;
  http.host = host.size() > 2 && host.front() == '[' ? host.substr(1, host.size() - 2) : host;
  http.port = std::atoi(o.listen.substr(o.listen.rfind(':') + 1).c_str());
  http.threads = o.threads;
  http.max_body = o.max_body;
  http.tls_cert = o.tls_cert;
  http.tls_key = o.tls_key;
  http.max_connections_per_client = o.max_connections_per_client;
  // A bound below one largest body would refuse every such body: raised to fit it.
  http.max_body_per_client = std::max(o.max_body_per_client, o.max_body);
  http.max_body_total = std::max(o.max_body_total, http.max_body_per_client);
  // Descriptors also serve the archive, the pack files and the log.
  const size_t budget = descriptor_budget();
  http.max_connections = std::min(o.max_connections, budget > 128 ? budget - 64 : budget / 2);
  http.header_ms = o.header_timeout_ms;
  http.idle_ms = o.idle_timeout_ms;
  http.body_ms = o.body_timeout_ms;
  ServiceOptions service_options;
  service_options.tokens = tokens;
  service_options.access_log = !o.quiet;
  service_options.allow_as_of = o.allow_as_of;
  service_options.approvals_stated = o.approvals_stated;
  service_options.secure_cookies = !o.tls_cert.empty();
  service_options.request_reload = [] { g_reload = true; };
  auto host_check = std::make_shared<HostCheck>(host, 0, o.server_names);
  service_options.host_allowed = [host_check](std::string_view h) { return host_check->allows(h); };
  HttpServer* server_for_metrics = nullptr;  // set once the server exists, before requests
  service_options.connections = [&server_for_metrics] { return server_for_metrics->connections(); };
  Service service(served, archive.get(), service_options);
  HttpServer server(service, http);
  server_for_metrics = &server;
  std::string listen_error;
  if (!server.listen(&listen_error)) {
    log_line(fmt::format("error[serve.listen]: cannot listen on {}: {}",
                         escape_for_display(o.listen), escape_for_display(listen_error)));
    return kExitError;
  }
  const int port = server.port();
  *host_check = HostCheck(host, port, o.server_names);  // requests start after run()

  // The handlers before the banner: a supervisor that stops the server as soon as it has said
  // where it listens must get the graceful stop, not the default action's kill (found by
  // allocator_decay, which stops it so and reads what the allocator prints at a normal exit).
  std::signal(SIGHUP, on_signal);
  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);
  std::string banner = fmt::format("steward serving {} {} ({}) on {}://{}:{}\n", served->pack->name,
                                   served->pack->version, served->pack->digest,
                                   o.tls_cert.empty() ? "http" : "https", host, port);
  (void)std::fwrite(banner.data(), 1, banner.size(), stdout);
  std::fflush(stdout);
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
    server.stop();  // SIGTERM or SIGINT
  });
  server.run();
  g_stop = true;
  reloader.join();
  return kExitAllow;
}

}  // namespace steward::cli
