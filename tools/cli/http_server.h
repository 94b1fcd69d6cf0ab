// The connection layer of `steward serve`: an event-driven HTTP/1.1 server (Boost.Beast on
// Asio) that reads requests within bounded time and size and hands whole requests to a Service.
// Idle, slow and half-sent connections cost a socket and a buffer, never a thread, so they
// cannot stop other clients from being answered.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "service.h"

namespace steward::cli {

// Every bound the server applies; each is documented in docs/security.md.
struct HttpServerOptions {
  std::string host = "127.0.0.1";  // an address (names resolve at bind), no brackets
  int port = 0;                    // 0: any free port; port() tells which
  size_t threads =
      4;  // workers for requests that may wait; the I/O threads are a core each (at most 4)
  size_t max_body = 1u << 20;           // 413 above, however the length is announced
  size_t max_header_bytes = 16 * 1024;  // request line and headers together: 431 above
  // A request's line and headers must arrive within this of the connection opening (or of the
  // previous response, for the first byte after `idle_ms`), however slowly they trickle in.
  int header_ms = 10000;
  int idle_ms = 5000;    // a kept-alive connection with no new request is closed after this
  int body_ms = 30000;   // the whole body must arrive within this of its header
  int write_ms = 10000;  // a response the client does not read is abandoned after this
  size_t max_connections = 10000;
  // Connections open from one address. Past it (or past max_connections), the oldest of that
  // address's (or anyone's) connections whose request is not yet whole is closed to make
  // room; when every one is being answered, the new connection is refused.
  size_t max_connections_per_client = 256;
  // Memory for request bodies being received, all connections together and from one address:
  // a body is counted whole from its header (its declared length, or max_body when chunked)
  // until it is answered; a body past either bound gets 503 with Retry-After.
  size_t max_body_total = 64u << 20;
  size_t max_body_per_client = 16u << 20;
  std::string tls_cert, tls_key;  // both set: HTTPS (TLS 1.2 and later)
};

class HttpServer {
 public:
  // `service` must outlive the server.
  HttpServer(Service& service, HttpServerOptions options);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and listens; false with `error` (a message for the operator) when it cannot.
  bool listen(std::string* error);
  // The port bound by listen().
  int port() const;
  // Serves on `threads` threads until stop(); returns when every connection is closed.
  void run();
  // Stops accepting, closes connections that are waiting for a request and lets requests in
  // progress finish (at most `write_ms` more). Safe from any thread, not from a signal handler.
  void stop();
  // Connections open now, and closed or refused by the limits so far (for /metrics).
  ConnectionStats connections() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace steward::cli
