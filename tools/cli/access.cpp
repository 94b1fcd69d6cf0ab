// Token files, loopback addresses and Host checks for `steward serve` (see access.h).
#include "access.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <set>

#include "steward/source.h"

namespace steward::cli {
namespace {

bool name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '@';
}

// RFC 6750 b64token: ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/", then "=" padding.
bool token_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~' || c == '+' || c == '/' || c == '=';
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Host and port of a Host header (`name`, `name:port`, `[v6]:port`); port 0 when absent.
bool split_host(std::string_view h, std::string* host, int* port) {
  *port = 0;
  std::string_view rest;
  if (!h.empty() && h[0] == '[') {
    size_t close = h.find(']');
    if (close == std::string_view::npos) return false;
    *host = std::string(h.substr(1, close - 1));
    rest = h.substr(close + 1);
  } else {
    size_t colon = h.rfind(':');
    *host = std::string(h.substr(0, colon));
    rest = colon == std::string_view::npos ? std::string_view() : h.substr(colon);
  }
  if (!rest.empty()) {
    if (rest[0] != ':' || rest.size() < 2 || rest.size() > 6) return false;
    int p = 0;
    for (char c : rest.substr(1)) {
      if (c < '0' || c > '9') return false;
      p = p * 10 + (c - '0');
    }
    *port = p;
  }
  *host = lower(*host);
  return !host->empty();
}

bool is_ip_literal(const std::string& host) {
  unsigned char buf[16];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

}  // namespace

bool read_token_file(const std::string& path, const std::vector<std::string>& bodies,
                     std::vector<Token>* tokens, std::vector<std::string>* errors) {
  auto error = [&](unsigned line, unsigned col, const std::string& message) {
    errors->push_back(
        line ? fmt::format("{}:{}:{}: error[serve.tokens]: {}", escape_for_display(path), line, col,
                           message)
             : fmt::format("{}: error[serve.tokens]: {}", escape_for_display(path), message));
  };
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
    error(0, 0, "cannot read the token file; it must be a regular file");
    return false;
  }
  if (st.st_mode & (S_IROTH | S_IWOTH | S_IWGRP)) {
    error(0, 0,
          fmt::format("the token file can be {} by other users of this machine (mode {:o}); "
                      "`chmod 600` it",
                      (st.st_mode & S_IROTH) ? "read" : "changed", st.st_mode & 0777));
    return false;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error(0, 0, "cannot read the token file");
    return false;
  }
  std::set<std::string> names, secrets;
  std::string text;
  unsigned line_no = 0;
  size_t before = errors->size();
  while (std::getline(in, text)) {
    ++line_no;
    if (!text.empty() && text.back() == '\r') text.pop_back();
    if (line_no > 100000) {
      error(line_no, 1, "the token file has more than 100,000 lines");
      break;
    }
    // Fields are separated by spaces or tabs; their columns are kept for errors.
    std::vector<std::pair<std::string, unsigned>> fields;
    for (size_t i = 0; i < text.size();) {
      if (text[i] == ' ' || text[i] == '\t') {
        ++i;
        continue;
      }
      size_t j = text.find_first_of(" \t", i);
      if (j == std::string::npos) j = text.size();
      fields.emplace_back(text.substr(i, j - i), static_cast<unsigned>(i + 1));
      i = j;
    }
    if (fields.empty() || fields[0].first[0] == '#') continue;
    if (fields.size() != 3) {
      error(line_no,
            fields.size() > 3   ? fields[3].second
            : fields.size() > 1 ? fields[1].second + static_cast<unsigned>(fields[1].first.size())
                                : fields[0].second + 1,
            fmt::format("a line is `name token roles` (roles: propose, read, admin, "
                        "review:<body>, comma-separated), found {} field{}{}",
                        fields.size(), fields.size() == 1 ? "" : "s",
                        fields.size() > 3 ? " (a comment must be a line of its own)" : ""));
      continue;
    }
    const auto& [name, name_col] = fields[0];
    const auto& [secret, secret_col] = fields[1];
    const auto& [role_list, roles_col] = fields[2];
    bool good = true;
    std::vector<std::string> roles;
    for (size_t at = 0; at <= role_list.size();) {
      size_t comma = role_list.find(',', at);
      if (comma == std::string::npos) comma = role_list.size();
      const std::string role = role_list.substr(at, comma - at);
      const unsigned col = roles_col + static_cast<unsigned>(at);
      const bool review = role.rfind("review:", 0) == 0;
      if (role == "propose" || role == "read" || role == "admin") {
        roles.push_back(role);
      } else if (review &&
                 std::find(bodies.begin(), bodies.end(), role.substr(7)) != bodies.end()) {
        roles.push_back(role);
      } else if (review) {
        error(line_no, col + 7,
              fmt::format("`{}` is not a reviewer body of the pack (it has: {})",
                          escape_for_display(role.substr(7)),
                          bodies.empty() ? std::string("none")
                                         : fmt::format("{}", fmt::join(bodies, ", "))));
        good = false;
      } else {
        error(line_no, col,
              fmt::format("unknown role `{}`; roles are propose, read, admin and review:<body>",
                          escape_for_display(role)));
        good = false;
      }
      at = comma + 1;
    }
    std::sort(roles.begin(), roles.end());
    roles.erase(std::unique(roles.begin(), roles.end()), roles.end());
    if (!std::all_of(name.begin(), name.end(), name_char)) {
      error(line_no, name_col, "a name may hold letters, digits and `-`, `_`, `.`, `@` only");
      good = false;
    }
    if (!std::all_of(secret.begin(), secret.end(), token_char)) {
      error(line_no, secret_col,
            "a token may hold letters, digits and `-`, `.`, `_`, `~`, `+`, `/`, `=` only");
      good = false;
    } else if (secret.size() < kMinTokenLength) {
      error(line_no, secret_col,
            fmt::format("the token for `{}` is {} characters; at least {} are needed (try "
                        "`openssl rand -hex 24`)",
                        escape_for_display(name), secret.size(), kMinTokenLength));
      good = false;
    }
    if (good && !names.insert(name).second) {
      error(line_no, name_col, fmt::format("the name `{}` is given twice", name));
      good = false;
    }
    if (good && !secrets.insert(secret).second) {
      error(line_no, secret_col, "this token is given twice; each caller needs its own");
      good = false;
    }
    if (good) tokens->push_back({name, secret, roles, line_no});
  }
  if (errors->size() == before && tokens->empty()) error(0, 0, "the token file holds no token");
  return errors->size() == before;
}

bool is_loopback_host(std::string_view h) {
  std::string host = lower(h);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  if (host == "localhost" || host == "::1") return true;
  unsigned char buf[4];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 && buf[0] == 127;
}

HostCheck::HostCheck(std::string listen_host, int port, std::vector<std::string> names)
    : listen_host_(lower(listen_host)), port_(port), names_(std::move(names)) {
  if (listen_host_.size() > 2 && listen_host_.front() == '[')
    listen_host_ = listen_host_.substr(1, listen_host_.size() - 2);
  for (auto& n : names_) n = lower(n);
  wildcard_ = listen_host_ == "0.0.0.0" || listen_host_ == "::" || listen_host_.empty();
}

bool HostCheck::allows(std::string_view header) const {
  if (header.empty()) return true;  // HTTP/1.0 clients; browsers always send Host
  std::string host;
  int port = 0;
  if (!split_host(header, &host, &port)) return false;
  // A configured name may arrive through a proxy on another port.
  if (std::find(names_.begin(), names_.end(), host) != names_.end()) return true;
  if (port != 0 && port != port_) return false;
  if (host == listen_host_) return true;
  if (is_loopback_host(listen_host_) && is_loopback_host(host)) return true;
  // A wildcard listener answers to its addresses: any IP literal, but no name it was not given.
  return wildcard_ && is_ip_literal(host);
}

}  // namespace steward::cli
