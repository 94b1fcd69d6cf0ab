// Who may call `steward serve`: the token file, the listen policy and the Host check.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace steward::cli {

// One line of a token file: `name token roles`. A token names its caller in the archive; its
// roles say which routes it may call (service.h, `kRole...`).
struct Token {
  std::string name;
  std::string token;
  std::vector<std::string> roles;  // sorted, unique
  unsigned line = 0;
};

// The shortest token accepted: 32 characters of the RFC 6750 token alphabet (such as
// `openssl rand -hex 16`), so a token cannot be guessed online.
inline constexpr size_t kMinTokenLength = 32;

// Reads a token file: one `name token roles` line a caller (roles comma-separated: `propose`,
// `read`, `admin`, `review:<body>` for a reviewer body of the pack, one of `bodies`), blank
// lines and lines starting with `#` ignored. Refuses, with `file:line:col:
// error[serve.tokens]: ...` lines in `errors`: a file that others can read or write, a line
// with other than three fields (a line without roles grants nothing, so it is an error rather
// than a token with every role), a name or token with characters outside their alphabets, a
// short token, an unknown role or body, a name or token given twice, and a file with no token.
// Returns true when there are no errors.
bool read_token_file(const std::string& path, const std::vector<std::string>& bodies,
                     std::vector<Token>* tokens, std::vector<std::string>* errors);

// True for an address only this machine can reach: 127.0.0.0/8, ::1 and `localhost`.
bool is_loopback_host(std::string_view host);

// The Host header values a server answers to. A browser page on another site can make a
// victim's browser send requests to a loopback server under a name it controls (DNS
// rebinding); a server that answers only to its own address and configured names is immune.
class HostCheck {
 public:
  // `listen_host` as given to --listen (a wildcard such as 0.0.0.0 accepts any IP literal),
  // the port actually bound, and the --server-name values.
  HostCheck(std::string listen_host, int port, std::vector<std::string> names);
  // Whether a request's Host header (empty when the client sent none) is acceptable.
  bool allows(std::string_view host_header) const;

 private:
  std::string listen_host_;
  int port_;
  std::vector<std::string> names_;
  bool wildcard_;
};

}  // namespace steward::cli
