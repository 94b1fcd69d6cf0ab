// The staff pages of `steward serve` under /ui/: review queues, search, a decision with its
// text and review history, and review forms for the bodies a signed-in token acts for.
// Server-rendered HTML without script; sessions are cookies naming server-side state, and
// every form carries the session's form token.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "service.h"
#include "steward/archive.h"

namespace steward::cli {

struct UiOptions {
  // The server's tokens; empty: no sign-in, and the one user has every role (as the API).
  std::vector<Grant> tokens;
  Archive* archive = nullptr;  // null: the pages say there is no archive
  std::function<std::shared_ptr<Served>()> current;
  // Records a review as POST /v1/reviews does, for `name` holding `roles` (null: every role),
  // and returns that route's response.
  std::function<HttpResponse(const std::string& json_body, const std::string& name,
                             const std::vector<std::string>* roles)>
      review;
  std::function<void(const std::string&)> log;  // security events; unset: stderr
  bool secure_cookies = false;                  // add `Secure` (the server speaks TLS)
};

class StaffUi {
 public:
  explicit StaffUi(UiOptions options);
  ~StaffUi();

  // Whether the path is one of these pages (`/ui` and below).
  static bool owns(std::string_view path);
  // Before the body is read: a form sent without a session, or from another site, is refused
  // here, so it cannot make the server hold a body.
  std::optional<HttpResponse> screen(const HttpRequest& head);
  // Answers a request for a page.
  HttpResponse handle(const HttpRequest& request);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace steward::cli
