// The connection layer of `steward serve` (see http_server.h).
#include "http_server.h"

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "service.h"

namespace steward::cli {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;
using beast::error_code;

// Who is connected, for the per-address and total limits. A connection is "waiting" until its
// request is whole (idle, its header or body still arriving): only those are closed to make
// room, oldest first, so a request being decided or answered is never cut off by someone
// else's connections, and slow senders cannot hold places that others need.
class Registry {
 public:
  Registry(size_t max_total, size_t max_per_client, size_t body_total, size_t body_per_client)
      : max_total_(max_total),
        max_per_client_(max_per_client),
        body_total_(body_total),
        body_per_client_(body_per_client) {}

  // Reserves `bytes` of the memory for request bodies for connection `id`, until
  // release_body() or remove(): false when the server's total or this client's share would
  // pass its bound. A body is reserved whole at its header (Beast allocates a declared
  // length at once), so bodies that trickle in hold at most these bounds, not connections x
  // max_body.
  bool reserve_body(uint64_t id, size_t bytes) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = entries_.find(id);
    if (it == entries_.end()) return false;
    Entry& e = it->second;
    size_t& client = body_of_client_[e.client];
    const size_t total = body_reserved_ - e.body + bytes;
    const size_t mine = client - e.body + bytes;
    if (total > body_total_ || mine > body_per_client_) {
      if (client == 0) body_of_client_.erase(e.client);
      ++bodies_refused_;
      return false;
    }
    body_reserved_ = total;
    client = mine;
    e.body = bytes;
    return true;
  }

  void release_body(uint64_t id) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = entries_.find(id);
    if (it != entries_.end()) release_body_locked(it->second);
  }

  // Admits a connection from `client`; `close` closes it from any thread. Returns its id, or 0
  // when it is refused (the limits are reached and no waiting connection can make room).
  uint64_t admit(const std::string& client, std::function<void()> close) {
    std::function<void()> evict;
    uint64_t id = 0;
    {
      std::lock_guard<std::mutex> lock(mu_);
      size_t& mine = per_client_[client];
      if (entries_.size() - evicting_ >= max_total_) {
        auto victim = oldest_waiting(nullptr);
        if (!victim) {
          if (mine == 0) per_client_.erase(client);
          ++refused_;
          return 0;
        }
        evict = mark_evicting(*victim);
      } else if (mine - evicting_of(client) >= max_per_client_) {
        auto victim = oldest_waiting(&client);
        if (!victim) {
          ++refused_;
          return 0;
        }
        evict = mark_evicting(*victim);
      }
      id = ++next_;
      entries_.emplace(id, Entry{client, Clock::now(), true, false, std::move(close)});
      ++mine;
    }
    if (evict) {
      ++evicted_;
      evict();  // outside the lock: it posts to the victim's strand
    }
    return id;
  }

  void set_waiting(uint64_t id, bool waiting) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = entries_.find(id);
    if (it == entries_.end()) return;
    it->second.waiting = waiting;
    if (waiting && !it->second.waiting) it->second.since = Clock::now();
  }

  void remove(uint64_t id) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = entries_.find(id);
    if (it == entries_.end()) return;
    if (it->second.evicting) --evicting_;
    release_body_locked(it->second);
    auto pc = per_client_.find(it->second.client);
    if (pc != per_client_.end() && --pc->second == 0) per_client_.erase(pc);
    entries_.erase(it);
  }

  // Closes every waiting connection (the server is stopping).
  void close_waiting() {
    std::vector<std::function<void()>> closers;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (auto& [id, e] : entries_)
        if (e.waiting && !e.evicting) closers.push_back(mark_evicting(id));
    }
    for (auto& c : closers) c();
  }

  size_t size() const {
    std::lock_guard<std::mutex> lock(mu_);
    return entries_.size();
  }
  ConnectionStats stats() const {
    std::lock_guard<std::mutex> lock(mu_);
    return {entries_.size(), evicted_, refused_, bodies_refused_, body_reserved_};
  }

 private:
  struct Entry {
    std::string client;
    Clock::time_point since;
    bool waiting;
    bool evicting;
    std::function<void()> close;
    size_t body = 0;  // bytes reserved for the body being received
  };

  void release_body_locked(Entry& e) {
    if (e.body == 0) return;
    body_reserved_ -= e.body;
    auto c = body_of_client_.find(e.client);
    if (c != body_of_client_.end() && (c->second -= e.body) == 0) body_of_client_.erase(c);
    e.body = 0;
  }

  // Linear, and only when a limit is reached: at most max_total entries.
  std::optional<uint64_t> oldest_waiting(const std::string* client) const {
    std::optional<uint64_t> best;
    Clock::time_point best_since;
    for (const auto& [id, e] : entries_) {
      if (!e.waiting || e.evicting || (client && e.client != *client)) continue;
      if (!best || e.since < best_since) {
        best = id;
        best_since = e.since;
      }
    }
    return best;
  }

  size_t evicting_of(const std::string& client) const {
    size_t n = 0;
    if (evicting_ == 0) return 0;
    for (const auto& [id, e] : entries_) n += e.evicting && e.client == client;
    return n;
  }

  std::function<void()> mark_evicting(uint64_t id) {
    Entry& e = entries_.at(id);
    e.evicting = true;
    ++evicting_;
    return e.close;
  }

  const size_t max_total_, max_per_client_, body_total_, body_per_client_;
  mutable std::mutex mu_;
  std::unordered_map<uint64_t, Entry> entries_;
  std::unordered_map<std::string, size_t> per_client_;
  size_t evicting_ = 0;
  uint64_t next_ = 0;
  uint64_t evicted_ = 0, refused_ = 0, bodies_refused_ = 0;
  size_t body_reserved_ = 0;
  std::unordered_map<std::string, size_t> body_of_client_;
};

struct Shared {
  Shared(Service& s, HttpServerOptions o)
      : service(s),
        options(std::move(o)),
        registry(options.max_connections, options.max_connections_per_client,
                 options.max_body_total, options.max_body_per_client),
        workers(std::make_unique<net::thread_pool>(std::max<size_t>(1, options.threads))) {}

  Service& service;
  HttpServerOptions options;
  Registry registry;
  std::atomic<bool> draining{false};
  // Requests that may wait (a PostgreSQL round trip, an archive query, a large agreement) are
  // answered here, off the I/O threads, so that they hold a worker, never the reading and
  // writing of others. No request waits here for a group commit: the archive answers those.
  std::unique_ptr<net::thread_pool> workers;
  // Requests handed to the service whose answer has not been posted back yet: run() returns
  // only when none is left, as an archive's writer or teller thread may still hold some.
  std::atomic<size_t> answering{0};
};

// One connection: reads requests one at a time, each under its deadlines, and answers them.
template <bool kTls>
class Session : public std::enable_shared_from_this<Session<kTls>> {
 public:
  using Stream = std::conditional_t<kTls, beast::ssl_stream<beast::tcp_stream>, beast::tcp_stream>;

  template <class... Args>
  Session(Shared& shared, std::string client, Args&&... args)
      : shared_(shared),
        stream_(std::forward<Args>(args)...),
        buffer_(std::max<size_t>(64 * 1024, shared.options.max_header_bytes + 8 * 1024)),
        client_(std::move(client)) {}

  ~Session() {
    if (id_) shared_.registry.remove(id_);
  }

  // Registers the connection (which may refuse it) and starts reading.
  void start() {
    std::weak_ptr<Session> weak = this->shared_from_this();
    auto executor = stream_.get_executor();
    id_ = shared_.registry.admit(client_, [weak, executor] {
      net::post(executor, [weak] {
        if (auto self = weak.lock()) self->close();
      });
    });
    if (!id_) return;  // refused: the socket closes with this object
    net::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
      if constexpr (kTls) {
        self->lowest().expires_after(self->ms(self->shared_.options.header_ms));
        self->stream_.async_handshake(ssl::stream_base::server, [self](error_code ec) {
          if (!ec) self->read_header(true);
        });
      } else {
        self->read_header(true);
      }
    });
  }

 private:
  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }
  static std::chrono::milliseconds ms(int v) { return std::chrono::milliseconds(v); }

  void close() {
    error_code ignored;
    lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
    lowest().close();
  }

  void read_header(bool first) {
    if (shared_.draining) return close();
    const HttpServerOptions& o = shared_.options;
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(o.max_header_bytes));
    parser_->body_limit(o.max_body);
    shared_.registry.set_waiting(id_, true);
    // One deadline for the whole header, however slowly it trickles in (slowloris). A kept-alive
    // connection gets idle_ms for its next request and then must finish its header in time.
    lowest().expires_after(ms(first ? o.header_ms : std::max(o.idle_ms, 1)));
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](error_code ec, size_t) { self->on_header(ec); });
  }

  void on_header(error_code ec) {
    started_ = Clock::now();
    if (ec) {
      // A closed or timed-out connection gets no answer; a malformed or oversized request
      // does, and the connection ends (the rest of its bytes cannot be trusted to frame).
      if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
          ec == net::error::operation_aborted || ec == net::error::eof ||
          ec == net::error::connection_reset || ec == net::error::bad_descriptor)
        return close();
      request_ = head_of(*parser_);
      if (ec == http::error::header_limit)
        return finish(error_response(431, "the request line and headers are too large"), true);
      if (ec == http::error::body_limit)
        return finish(error_response(413, "the body is larger than this server accepts"), true);
      return finish(error_response(400, "the request is not well-formed HTTP/1.1"), true);
    }
    request_ = head_of(*parser_);
    if (auto early = shared_.service.screen(request_)) {
      // The body (if any) is not read, so the connection cannot carry another request.
      const bool body_pending = !parser_->is_done();
      return finish(std::move(*early), body_pending);
    }
    if (parser_->is_done()) return handle();
    // A declared length is what Beast allocates; a chunked body may grow to max_body.
    const auto declared = parser_->content_length();
    if (!shared_.registry.reserve_body(id_, declared ? *declared : shared_.options.max_body)) {
      HttpResponse busy = error_response(
          503, "the server is receiving too many request bodies at once; retry shortly");
      busy.set_header("Retry-After", "1");
      return finish(std::move(busy), true);
    }
    // Beast reads max(512, free capacity) bytes at a time, and the parser empties the buffer
    // after each read, so an unreserved buffer never grew: a 3 KiB request took six recvmsg
    // calls. Reserved once a body is admitted, it stays for the connection's later requests.
    if (buffer_.capacity() < kReadReserve) buffer_.reserve(kReadReserve);
    lowest().expires_after(ms(shared_.options.body_ms));
    const std::string expect = request_.header("Expect");
    if (expect.size() == 12 && beast::iequals(expect, "100-continue")) {
      // curl waits for this before sending a body over 1 KiB.
      continue_.emplace(http::status::continue_, parser_->get().version());
      return http::async_write(stream_, *continue_,
                               [self = this->shared_from_this()](error_code e, size_t) {
                                 if (e) return self->close();
                                 self->read_body();
                               });
    }
    read_body();
  }

  void read_body() {
    http::async_read(
        stream_, buffer_, *parser_, [self = this->shared_from_this()](error_code ec, size_t) {
          if (!ec) return self->handle();
          if (ec == http::error::body_limit)
            return self->finish(error_response(413, "the body is larger than this server accepts"),
                                true);
          if (ec == beast::error::timeout || ec == net::error::eof ||
              ec == http::error::end_of_stream || ec == http::error::partial_message ||
              ec == net::error::connection_reset || ec == net::error::operation_aborted)
            return self->close();
          self->finish(error_response(400, "the request body is not well-formed"), true);
        });
  }

  // The request line and headers, as the Service sees them.
  static HttpRequest head_of(const http::request_parser<http::string_body>& parser) {
    HttpRequest r;
    const auto& m = parser.get();
    r.method = std::string(m.method_string());
    r.target = std::string(m.target());
    split_target(r.target, &r.path, &r.query);
    for (const auto& f : m) r.headers.emplace_back(f.name_string(), f.value());
    return r;
  }

  void handle() {
    shared_.registry.set_waiting(id_, false);
    request_.body = std::move(parser_->get().body());
    // The tracked executor keeps the I/O threads running until the answer is written.
    auto io = net::prefer(stream_.get_executor(), net::execution::outstanding_work.tracked);
    ++shared_.answering;
    // With an archive, an evaluation is answered from the archive's own thread after its
    // batch commits: no thread waits for it. One that waits on nothing else is decided here,
    // on the I/O thread (a hop to a worker and back was over a quarter of the service's
    // processor time on a 2-core machine); anything that may wait goes to the workers.
    // request_ stays as it is until finish(), after `done`, as handle_async requires.
    std::function<void(HttpResponse)> done = [self = this->shared_from_this(),
                                              io](HttpResponse res) mutable {
      Shared& sh = self->shared_;
      {
        // Moved out so that nothing of the connection or the I/O context is left in this
        // callback once `answering` drops (run() may then return and free them).
        auto session = std::move(self);
        auto executor = std::move(io);
        auto out = std::make_shared<HttpResponse>(std::move(res));
        net::post(executor, [session, out] { session->finish(std::move(*out), false); });
      }
      --sh.answering;
    };
    if (shared_.service.try_handle_async(request_, done)) return;
    net::post(*shared_.workers,
              [self = this->shared_from_this(), done = std::move(done)]() mutable {
                self->shared_.service.handle_async(self->request_, std::move(done));
              });
  }

  void finish(HttpResponse out, bool close_after) {
    shared_.registry.set_waiting(id_, false);
    shared_.service.log(request_, out, Clock::now() - started_);
    // The body's memory goes back before the answer is written: a client that reads its
    // answer slowly holds a connection, not a body.
    std::string().swap(request_.body);
    std::string().swap(parser_->get().body());
    shared_.registry.release_body(id_);
    const auto& req = parser_->get();
    const bool head = request_.method == "HEAD";
    keep_alive_ = !close_after && !out.close && parser_->is_header_done() && req.keep_alive() &&
                  !shared_.draining;
    response_.emplace();
    auto& res = *response_;
    res.version(parser_->is_header_done() ? req.version() : 11);
    res.result(static_cast<unsigned>(out.status));
    res.set(http::field::server, "steward");
    if (!out.content_type.empty()) res.set(http::field::content_type, out.content_type);
    for (auto& [k, v] : out.headers) res.insert(k, v);
    res.keep_alive(keep_alive_);
    if (head) {
      res.content_length(out.body.size());
    } else {
      res.body() = std::move(out.body);
      res.prepare_payload();
    }
    lowest().expires_after(ms(shared_.options.write_ms));
    http::async_write(stream_, res, [self = this->shared_from_this()](error_code ec, size_t) {
      if (ec || !self->keep_alive_) return self->close();
      self->request_ = HttpRequest{};
      self->read_header(false);
    });
  }

  Shared& shared_;
  Stream stream_;
  static constexpr size_t kReadReserve = 8 * 1024;
  beast::flat_buffer buffer_;
  std::string client_;
  uint64_t id_ = 0;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::empty_body>> continue_;
  std::optional<http::response<http::string_body>> response_;
  HttpRequest request_;
  Clock::time_point started_;
  bool keep_alive_ = false;
};

}  // namespace

struct HttpServer::Impl {
  // Reading and writing is cheap next to deciding: a thread a core, at most 4.
  static size_t io_threads() {
    return std::clamp<size_t>(std::thread::hardware_concurrency(), 1, 4);
  }

  explicit Impl(Service& service, HttpServerOptions options)
      : shared(service, options),
        ioc(static_cast<int>(io_threads())),
        acceptor(net::make_strand(ioc)),
        retry(ioc) {}

  void accept() {
    acceptor.async_accept(net::make_strand(ioc), [this](error_code ec, tcp::socket socket) {
      if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
      if (ec) {
        // Out of descriptors (EMFILE) or a transient error: try again shortly rather than spin.
        retry.expires_after(std::chrono::milliseconds(50));
        retry.async_wait([this](error_code e) {
          if (!e) accept();
        });
        return;
      }
      error_code e;
      auto endpoint = socket.remote_endpoint(e);
      std::string client = e ? "unknown" : endpoint.address().to_string();
      socket.set_option(tcp::no_delay(true), e);
      if (tls) {
        std::make_shared<Session<true>>(shared, std::move(client), std::move(socket), *tls)
            ->start();
      } else {
        std::make_shared<Session<false>>(shared, std::move(client), std::move(socket))->start();
      }
      accept();
    });
  }

  Shared shared;
  net::io_context ioc;
  tcp::acceptor acceptor;
  net::steady_timer retry;
  ~Impl() {
    if (stopper.joinable()) stopper.join();
  }

  std::optional<ssl::context> tls;
  int port = 0;
  std::atomic<bool> stopping{false};
  std::thread stopper;
};

HttpServer::HttpServer(Service& service, HttpServerOptions options)
    : impl_(std::make_unique<Impl>(service, std::move(options))) {}

HttpServer::~HttpServer() = default;

bool HttpServer::listen(std::string* error) {
  Impl& m = *impl_;
  const HttpServerOptions& o = m.shared.options;
  error_code ec;
  if (!o.tls_cert.empty() || !o.tls_key.empty()) {
    m.tls.emplace(ssl::context::tls_server);
    m.tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                           ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                           ssl::context::no_tlsv1_1 | ssl::context::single_dh_use,
                       ec);
    if (!ec) m.tls->use_certificate_chain_file(o.tls_cert, ec);
    if (!ec) m.tls->use_private_key_file(o.tls_key, ssl::context::pem, ec);
    if (ec) {
      *error = "cannot load the certificate `" + o.tls_cert + "` and key `" + o.tls_key +
               "`: " + ec.message();
      return false;
    }
  }
  tcp::resolver resolver(m.ioc);
  auto results = resolver.resolve(o.host, std::to_string(o.port),
                                  tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || results.empty()) {
    *error = "cannot resolve `" + o.host + "`";
    return false;
  }
  tcp::endpoint endpoint = results.begin()->endpoint();
  m.acceptor.open(endpoint.protocol(), ec);
  if (!ec) m.acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) m.acceptor.bind(endpoint, ec);
  if (!ec) m.acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    *error = ec.message();
    return false;
  }
  m.port = m.acceptor.local_endpoint().port();
  return true;
}

int HttpServer::port() const { return impl_->port; }

ConnectionStats HttpServer::connections() const { return impl_->shared.registry.stats(); }

void HttpServer::run() {
  Impl& m = *impl_;
  net::dispatch(m.acceptor.get_executor(), [&m] { m.accept(); });
  std::vector<std::thread> threads;
  for (size_t i = 1; i < Impl::io_threads(); ++i) threads.emplace_back([&m] { m.ioc.run(); });
  m.ioc.run();
  for (auto& t : threads) t.join();
  m.shared.workers->join();
  // Every answer an archive still owes is posted (to the stopped context, which drops it)
  // before the context and the connections go away.
  while (m.shared.answering > 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

void HttpServer::stop() {
  Impl& m = *impl_;
  if (m.stopping.exchange(true)) return;
  m.shared.draining = true;
  net::post(m.acceptor.get_executor(), [&m] {
    error_code ignored;
    m.acceptor.close(ignored);
    m.retry.cancel();
  });
  m.shared.registry.close_waiting();
  // Requests in progress finish and close (draining ends keep-alive); none may hold the
  // process past its write deadline.
  m.stopper = std::thread([&m] {
    auto until = Clock::now() + std::chrono::milliseconds(m.shared.options.write_ms + 1000);
    while (Clock::now() < until && !m.ioc.stopped() && m.shared.registry.size() > 0)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    m.ioc.stop();
  });
}

}  // namespace steward::cli
