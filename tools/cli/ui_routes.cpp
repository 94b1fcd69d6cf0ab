// The staff pages of `steward serve` (see ui_routes.h). Sessions and routing here; the markup
// in ui_html.cpp. This file passes 600 lines because each page's reads and checks sit with it:
// which archive reads a page makes and what a role may see there are easiest to review together.
#include "ui_routes.h"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>

#include "steward/date.h"
#include "ui_html.h"

namespace steward::cli {

namespace {

using Json = nlohmann::json;
using Clock = std::chrono::steady_clock;

const char* kStyle =
#include "ui_style.css.inc"
    ;

constexpr const char* kCookie = "steward_ui";
constexpr auto kIdle = std::chrono::hours(8);
constexpr auto kLifetime = std::chrono::hours(12);
constexpr size_t kMaxSessions = 10000;
constexpr size_t kQueueScan = 1000;  // standing needs_review decisions a queue looks at
constexpr size_t kPage = 50;         // search results per page
constexpr size_t kMaxField = 256;    // bytes of a search field

std::string random_hex(size_t bytes) {
  std::vector<unsigned char> b(bytes);
  if (RAND_bytes(b.data(), static_cast<int>(b.size())) != 1)
    throw std::runtime_error("no random bytes for a session");
  std::string out;
  for (unsigned char c : b) out += fmt::format("{:02x}", c);
  return out;
}

bool same_secret(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string cookie_value(const HttpRequest& req, std::string_view name) {
  const std::string all = req.header("Cookie");
  size_t at = 0;
  while (at < all.size()) {
    size_t end = all.find(';', at);
    if (end == std::string::npos) end = all.size();
    std::string_view part = std::string_view(all).substr(at, end - at);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    if (part.size() > name.size() && part.substr(0, name.size()) == name &&
        part[name.size()] == '=')
      return std::string(part.substr(name.size() + 1));
    at = end + 1;
  }
  return "";
}

// The fields of an application/x-www-form-urlencoded body.
std::vector<std::pair<std::string, std::string>> form_fields(const std::string& body) {
  std::string path;
  std::vector<std::pair<std::string, std::string>> fields;
  split_target("/?" + body, &path, &fields);
  return fields;
}

std::string field(const std::vector<std::pair<std::string, std::string>>& fields,
                  std::string_view name) {
  for (const auto& [k, v] : fields)
    if (k == name) return v;
  return "";
}

bool has_role(const std::vector<std::string>* roles, std::string_view role) {
  return roles == nullptr || std::find(roles->begin(), roles->end(), role) != roles->end();
}

bool reviewer(const std::vector<std::string>* roles) {
  return roles == nullptr || std::any_of(roles->begin(), roles->end(), [](const std::string& r) {
           return r.rfind("review:", 0) == 0;
         });
}

HttpResponse html(int status, std::string page) {
  HttpResponse res;
  res.status = status;
  res.set_content(std::move(page), "text/html; charset=utf-8");
  // No script, no frames, forms only to this server; nothing cached, no referrer leaves it.
  res.set_header("Content-Security-Policy",
                 "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
                 "frame-ancestors 'none'; base-uri 'none'");
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("X-Frame-Options", "DENY");
  // same-origin, not no-referrer: under no-referrer a browser sends `Origin: null` with a
  // form, and the same-site check below could not tell the pages' own forms apart.
  res.set_header("Referrer-Policy", "same-origin");
  res.set_header("Cache-Control", "no-store");
  return res;
}

HttpResponse redirect(const std::string& to) {
  HttpResponse res = html(303, "");
  res.set_header("Location", to);
  return res;
}

bool id_like(std::string_view id) {
  return !id.empty() && id.size() <= 128 && std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-';
  });
}

// The `clause` of each of a decision document's `reasons`, read as the text goes by: a search
// page lists fifty records, and building each decision's whole tree to read a few strings out
// of it was most of the page's work (and 45% of fuzz_http's) when decisions are long.
class ReasonClauses : public nlohmann::json_sax<Json> {
 public:
  // The clauses in order, or none when the text is not one JSON object.
  static std::vector<std::string> of(const std::string& document) {
    ReasonClauses sax;
    if (!Json::sax_parse(document, &sax) || sax.failed_) return {};
    return std::move(sax.clauses_);
  }

  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool string(string_t& s) override {
    // A reason's own `clause`: a string in an object in the root's `reasons` array.
    if (reasons_open_ && objects_.size() == 3 && objects_[2] && keys_[2] == "clause")
      clauses_.push_back(s);
    return true;
  }
  bool start_object(std::size_t) override { return open(true); }
  bool start_array(std::size_t) override {
    if (objects_.size() == 1 && keys_[0] == "reasons") reasons_open_ = true;
    return open(false);
  }
  bool key(string_t& k) override {
    keys_.back() = k;
    return true;
  }
  bool end_object() override { return close(); }
  bool end_array() override {
    if (objects_.size() == 2 && reasons_open_) reasons_open_ = false;
    return close();
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    failed_ = true;
    return false;
  }

 private:
  bool open(bool object) {
    if (objects_.empty() && !object) failed_ = true;  // the root must be an object
    objects_.push_back(object);
    keys_.emplace_back();
    return !failed_;
  }
  bool close() {
    objects_.pop_back();
    keys_.pop_back();
    return true;
  }

  std::vector<bool> objects_;      // each open container: an object (true) or an array
  std::vector<std::string> keys_;  // the last key read in each open container
  bool reasons_open_ = false;      // inside the root's `reasons`
  bool failed_ = false;
  std::vector<std::string> clauses_;
};

}  // namespace

struct StaffUi::Impl {
  UiOptions options;
  std::string anonymous_csrf = random_hex(32);

  struct Session {
    std::string name;
    std::string csrf;
    Clock::time_point started, seen;
  };
  std::mutex mu;
  std::map<std::string, Session> sessions;

  struct Verified {
    ArchiveVerification result;
    std::string at;  // archive-style time
    Clock::time_point when;
  };
  std::mutex verify_mu;  // one verification at a time
  std::mutex verified_mu;
  std::optional<Verified> verified;

  // Who is asking: the viewer and the roles (null: every role), or nullopt without a session.
  struct Who {
    ui::Viewer viewer;
    const std::vector<std::string>* roles = nullptr;
  };

  void log(const Json& event) {
    const std::string line = json_text(event);
    if (options.log)
      options.log(line);
    else
      log_line(line);
  }

  const Grant* grant_named(const std::string& name) const {
    for (const Grant& g : options.tokens)
      if (g.name == name) return &g;
    return nullptr;
  }

  std::optional<Who> who(const HttpRequest& req) {
    if (options.tokens.empty()) return Who{{"anonymous", false, anonymous_csrf}, nullptr};
    const std::string id = cookie_value(req, kCookie);
    if (id.size() != 64) return std::nullopt;
    std::lock_guard<std::mutex> lock(mu);
    auto it = sessions.find(id);
    if (it == sessions.end()) return std::nullopt;
    const auto now = Clock::now();
    if (now - it->second.seen > kIdle || now - it->second.started > kLifetime) {
      sessions.erase(it);
      return std::nullopt;
    }
    // Roles are read from the token file's grant now, not copied at sign-in.
    const Grant* g = grant_named(it->second.name);
    if (!g) return std::nullopt;
    it->second.seen = now;
    return Who{{g->name, true, it->second.csrf}, &g->roles};
  }

  std::string start_session(const Grant& g) {
    std::lock_guard<std::mutex> lock(mu);
    if (sessions.size() >= kMaxSessions) {
      auto oldest = std::min_element(sessions.begin(), sessions.end(), [](auto& a, auto& b) {
        return a.second.seen < b.second.seen;
      });
      sessions.erase(oldest);
    }
    std::string id = random_hex(32);
    const auto now = Clock::now();
    sessions[id] = {g.name, random_hex(32), now, now};
    return id;
  }

  std::string cookie(const std::string& value, bool clear) const {
    return fmt::format("{}={}; Path=/ui; HttpOnly; SameSite=Strict{}{}", kCookie, value,
                       options.secure_cookies ? "; Secure" : "", clear ? "; Max-Age=0" : "");
  }

  // A form from another site: its Origin (or Sec-Fetch-Site) says so. Browsers send one of
  // them on every cross-site POST; a form token stops the rest.
  static bool cross_site(const HttpRequest& req) {
    if (req.header("Sec-Fetch-Site") == "cross-site") return true;
    const std::string origin = req.header("Origin");
    if (origin.empty()) return false;
    if (origin == "null") return true;  // a sandboxed frame, a data: page
    const std::string host = req.header("Host");
    return origin != "http://" + host && origin != "https://" + host;
  }

  HttpResponse page(int status, std::string_view title, const Who* w, std::string_view main,
                    std::string_view notice = "", std::string_view alert = "") {
    return html(status, ui::frame(title, w ? &w->viewer : nullptr, main, notice, alert));
  }

  HttpResponse refused(const Who& w, const std::string& path, std::string_view role,
                       std::string_view why) {
    log({{"event", "forbidden"}, {"caller", w.viewer.name}, {"path", path}, {"needs", role}});
    return page(403, "Not for this token", &w, fmt::format("<p>{}</p>", ui::escape(why)));
  }

  HttpResponse signin_page(int status, std::string_view alert) {
    return page(status, "Sign in", nullptr,
                fmt::format(
                    R"(<form method="post" action="/ui/signin" class="card">
<p>Sign in with the access token your administrator gave you. Reviewers see the forms of the bodies they review for; everyone else reads.</p>
<p><label for="token">Access token</label>
<input id="token" name="token" type="password" autocomplete="current-password" required minlength="{}" maxlength="512"></p>
<p><button type="submit">Sign in</button></p>
</form>)",
                    kMinSignin),
                "", alert);
  }
  static constexpr size_t kMinSignin = 32;

  HttpResponse signin(const HttpRequest& req) {
    const auto fields = form_fields(req.body);
    const std::string token = field(fields, "token");
    const Grant* found = nullptr;
    for (const Grant& g : options.tokens)
      if (same_secret(token, g.token)) found = &g;
    if (!found) {
      log({{"event", "signin-refused"}, {"remote", req.remote}});
      return signin_page(401, "That token is not valid on this server.");
    }
    if (!has_role(&found->roles, "read") && !reviewer(&found->roles)) {
      log({{"event", "forbidden"}, {"caller", found->name}, {"path", req.path}, {"needs", "read"}});
      return signin_page(403,
                         "This token may not read decisions: it needs the `read` role or a "
                         "reviewer's (`review:<body>`).");
    }
    HttpResponse res = redirect("/ui/");
    res.set_header("Set-Cookie", cookie(start_session(*found), false));
    return res;
  }

  HttpResponse signout(const HttpRequest& req) {
    if (std::optional<Who> w = who(req);
        w && !same_secret(field(form_fields(req.body), "csrf"), w->viewer.csrf))
      return refused(*w, req.path, "csrf",
                     "This form is out of date: open a page and sign out again.");
    {
      std::lock_guard<std::mutex> lock(mu);
      sessions.erase(cookie_value(req, kCookie));
    }
    HttpResponse res = redirect("/ui/signin");
    res.set_header("Set-Cookie", cookie("", true));
    return res;
  }

  HttpResponse no_archive(const Who& w) {
    return page(404, "No archive", &w,
                "<p>This server keeps no archive, so there are no decisions to show: start it "
                "with <code>--archive</code>.</p>");
  }

  HttpResponse home(const Who& w) {
    if (!options.archive) return no_archive(w);
    auto served = options.current();
    const CompiledPack& pack = *served->pack;
    bool cut = false;
    const auto waiting = options.archive->waiting_for_review(kQueueScan, &cut);
    const int64_t now = ui::now_seconds();
    std::string rows;
    for (const ReviewerInfo& body : pack.reviewers) {
      size_t count = 0;
      std::string oldest;
      for (const WaitingReview& r : waiting)
        if (std::find(r.bodies.begin(), r.bodies.end(), body.name) != r.bodies.end()) {
          if (count++ == 0) oldest = r.decision.time;
        }
      const bool mine = w.roles != nullptr && has_role(w.roles, "review:" + body.name);
      rows += fmt::format(
          R"(<tr><th scope="row"><a href="/ui/queue/{}">{}</a>{}</th><td>{}</td><td>{}</td></tr>)",
          ui::url_encode(body.name), ui::escape(ui::body_title(pack, body.name)),
          mine ? R"( <span class="mine">(you review)</span>)" : "", count,
          oldest.empty() ? std::string("-")
                         : fmt::format("{} ({} ago)", ui::when(oldest),
                                       ui::age(now - ui::epoch_seconds(oldest))));
    }
    std::string main = fmt::format(
        R"(<p>Decisions that wait for a reviewer body, for <strong>{}</strong> {}.</p>
<div class="scroll" tabindex="0" role="region" aria-label="Review queues"><table><caption>Review queues</caption>
<thead><tr><th scope="col">Reviewer body</th><th scope="col">Waiting</th><th scope="col">Oldest since</th></tr></thead>
<tbody>{}</tbody></table></div>{})",
        ui::escape(pack.name), ui::escape(pack.version), rows,
        cut ? fmt::format("<p>Only the oldest {} decisions that wait are counted.</p>", kQueueScan)
            : "");
    main += search_form({}, pack);
    return page(200, "Review queues", &w, main);
  }

  HttpResponse queue(const Who& w, std::string_view body) {
    if (!options.archive) return no_archive(w);
    auto served = options.current();
    const CompiledPack& pack = *served->pack;
    if (std::none_of(pack.reviewers.begin(), pack.reviewers.end(),
                     [&](const ReviewerInfo& r) { return r.name == body; }))
      return page(404, "No such reviewer body", &w,
                  "<p>The policy names no reviewer body by that name. <a href=\"/ui/\">All "
                  "queues</a></p>");
    bool cut = false;
    const auto waiting = options.archive->waiting_for_review(kQueueScan, &cut);
    const int64_t now = ui::now_seconds();
    std::string rows;
    for (const WaitingReview& r : waiting) {
      if (std::find(r.bodies.begin(), r.bodies.end(), body) == r.bodies.end()) continue;
      std::vector<std::string> others;
      for (const std::string& b : r.bodies)
        if (b != body) others.push_back(ui::escape(ui::body_title(pack, b)));
      rows += fmt::format(
          R"(<tr><th scope="row"><a href="/ui/decisions/{0}">{1}</a></th><td><code>{0}</code></td><td>{2}</td><td>{3}</td><td>{4}</td></tr>)",
          ui::escape(r.decision.decision_id), ui::escape(r.decision.agreement_id),
          ui::escape(ui::when(r.decision.time)),
          ui::escape(ui::age(now - ui::epoch_seconds(r.decision.time))),
          others.empty() ? std::string("-") : fmt::format("{}", fmt::join(others, ", ")));
    }
    const std::string title = ui::body_title(pack, body);
    const bool mine = w.roles == nullptr || has_role(w.roles, "review:" + std::string(body));
    std::string main = fmt::format(
        "<p>{}</p>",
        mine ? "You review for this body: open a decision to record your verdict."
             : "You read this queue; reviews are recorded by the body's own reviewers.");
    if (rows.empty())
      main += "<p class=\"empty\">Nothing waits for this body.</p>";
    else
      main += fmt::format(
          R"(<div class="scroll" tabindex="0" role="region" aria-label="Queue"><table><caption>Waiting for {}, oldest first</caption>
<thead><tr><th scope="col">Agreement</th><th scope="col">Decision</th><th scope="col">Waiting since</th><th scope="col">For</th><th scope="col">Also waiting for</th></tr></thead>
<tbody>{}</tbody></table></div>)",
          ui::escape(title), rows);
    if (cut)
      main += fmt::format("<p>Only the oldest {} decisions that wait are shown.</p>", kQueueScan);
    return page(200, "Queue: " + title, &w, main);
  }

  static std::string search_form(const std::map<std::string, std::string>& v,
                                 const CompiledPack& pack) {
    auto value = [&](const char* k) {
      auto it = v.find(k);
      return it == v.end() ? std::string() : ui::escape(it->second);
    };
    auto option = [&](const char* k, const std::string& opt, const std::string& label) {
      auto it = v.find(k);
      const bool on = it != v.end() && it->second == opt;
      return fmt::format(R"(<option value="{}"{}>{}</option>)", ui::escape(opt),
                         on ? " selected" : "", ui::escape(label));
    };
    std::string decisions = option("decision", "", "any");
    for (const char* d : {"allow", "deny", "needs_review", "review"})
      decisions += option("decision", d, ui::outcome_label(d));
    std::string clauses = option("clause", "", "any");
    for (const ClauseInfo& c : pack.clauses)
      clauses += option("clause", c.id, c.id + ": " + c.title);
    return fmt::format(
        R"(<form method="get" action="/ui/search" class="card search" role="search" aria-label="Decisions">
<h2>Search decisions</h2>
<p><label for="agreement">Agreement id</label><input id="agreement" name="agreement" value="{}" maxlength="{}"></p>
<p><label for="decision">Decision</label><select id="decision" name="decision">{}</select></p>
<p><label for="clause">Clause</label><select id="clause" name="clause">{}</select></p>
<p><label for="reviewer">Reviewer (token name; finds reviews)</label><input id="reviewer" name="reviewer" value="{}" maxlength="{}"></p>
<p><label for="from">From (UTC day)</label><input id="from" name="from" type="date" value="{}"></p>
<p><label for="to">To (UTC day)</label><input id="to" name="to" type="date" value="{}"></p>
<p><button type="submit">Search</button></p>
</form>)",
        value("agreement"), kMaxField, decisions, clauses, value("reviewer"), kMaxField,
        value("from"), value("to"));
  }

  HttpResponse search(const Who& w, const HttpRequest& req) {
    if (!options.archive) return no_archive(w);
    auto served = options.current();
    const CompiledPack& pack = *served->pack;
    std::map<std::string, std::string> v;
    for (const char* k : {"agreement", "decision", "clause", "reviewer", "from", "to", "before"})
      if (!req.param(k).empty()) v[k] = req.param(k);
    std::string problem;
    ArchiveQuery q;
    q.agreement_id = v["agreement"];
    q.decision = v["decision"];
    q.clause = v["clause"];
    q.caller = v["reviewer"];
    q.from = v["from"];
    q.to = v["to"];
    q.limit = kPage + 1;
    int32_t day = 0;
    for (const auto& [k, value] : v)
      if (value.size() > kMaxField)
        problem = fmt::format("`{}` is longer than {} bytes", k, kMaxField);
    if (!q.decision.empty() && q.decision != "allow" && q.decision != "deny" &&
        q.decision != "needs_review" && q.decision != "review")
      problem = "the decision must be allow, deny, needs_review or review";
    if (!q.caller.empty()) {
      if (!q.decision.empty() && q.decision != "review")
        problem = "a reviewer is found on reviews: choose the decision `review` or any";
      q.decision = "review";
    }
    if ((!q.from.empty() && !parse_iso_date(q.from, &day)) ||
        (!q.to.empty() && !parse_iso_date(q.to, &day)))
      problem = "a day is a calendar date YYYY-MM-DD";
    if (v.count("before")) {
      const std::string& b = v["before"];
      if (b.size() > 18 || !std::all_of(b.begin(), b.end(), ::isdigit))
        problem = "`before` is a record number";
      else
        q.before_seq = std::stoll(b);
    }
    v.erase("before");
    std::string main = search_form(v, pack);
    if (!problem.empty()) return page(400, "Search decisions", &w, main, "", problem);
    std::vector<ArchiveRecord> found = options.archive->list(q);
    const bool more = found.size() > kPage;
    if (more) found.resize(kPage);
    std::string rows;
    for (const ArchiveRecord& r : found) {
      std::string what = ui::escape(ui::outcome_label(r.decision)), link = r.decision_id;
      std::vector<std::string> clauses;
      if (std::optional<Review> review = review_in(r)) {
        what = fmt::format("{} by {}: {}", what, ui::escape(ui::body_title(pack, review->body)),
                           ui::escape(review->verdict));
        link = review->decision_id;
      } else if (!r.is_review()) {
        for (const std::string& c : ReasonClauses::of(r.document)) clauses.push_back(ui::escape(c));
        clauses.erase(std::unique(clauses.begin(), clauses.end()), clauses.end());
      }
      rows += fmt::format(
          R"(<tr><td>{}</td><th scope="row"><a href="/ui/decisions/{}">{}</a></th><td>{}</td><td>{}</td><td>{}</td></tr>)",
          ui::escape(ui::when(r.time)), ui::escape(link), ui::escape(r.agreement_id), what,
          fmt::join(clauses, ", "), ui::escape(r.caller));
    }
    main +=
        rows.empty()
            ? "<p class=\"empty\">No record matches.</p>"
            : fmt::format(
                  R"(<div class="scroll" tabindex="0" role="region" aria-label="Results"><table><caption>Records, newest first</caption>
<thead><tr><th scope="col">Time</th><th scope="col">Agreement</th><th scope="col">Decision</th><th scope="col">Clauses</th><th scope="col">By</th></tr></thead>
<tbody>{}</tbody></table></div>)",
                  rows);
    if (more) {
      std::string next = "/ui/search?";
      for (const auto& [k, value] : v) next += k + "=" + ui::url_encode(value) + "&";
      next += "before=" + std::to_string(found.back().seq);
      main += fmt::format(R"(<p><a href="{}">Older records</a></p>)", ui::escape(next));
    }
    return page(200, "Search decisions", &w, main);
  }

  // Whether the record's hash recomputes and it links to its neighbours in the chain.
  std::string integrity(const ArchiveRecord& r) {
    std::vector<std::string> problems;
    if (archive_record_hash(r) != r.hash) problems.push_back("its hash does not recompute");
    ArchiveQuery q;
    q.limit = 1;
    if (r.seq > 1) {
      q.before_seq = r.seq;
      auto prev = options.archive->list(q);
      if (prev.empty() || prev[0].seq != r.seq - 1)
        problems.push_back("the record before it is missing");
      else if (prev[0].hash != r.prev_hash)
        problems.push_back("it does not link to the record before it");
    }
    q.before_seq = r.seq + 2;
    auto next = options.archive->list(q);
    if (!next.empty() && next[0].seq == r.seq + 1 && next[0].prev_hash != r.hash)
      problems.push_back("the record after it does not link to it");
    std::string out = R"(<section aria-labelledby="chain-h"><h2 id="chain-h">Archive chain</h2>)";
    out += problems.empty()
               ? fmt::format(
                     "<p class=\"ok\">Record {} verifies: its hash recomputes and it "
                     "links to the records before and after it.</p>",
                     r.seq)
               : fmt::format("<p class=\"bad\">Record {} does not verify: {}.</p>", r.seq,
                             ui::escape(fmt::format("{}", fmt::join(problems, "; "))));
    std::lock_guard<std::mutex> lock(verified_mu);
    if (verified)
      out += fmt::format(
          "<p>The whole chain was last verified {}: {}.</p>", ui::escape(ui::when(verified->at)),
          verified->result.ok ? fmt::format("{} records, no problem", verified->result.records)
                              : fmt::format("{} problems", verified->result.problems.size()));
    out +=
        R"(<form method="get" action="/ui/verify"><button type="submit">Verify the whole chain now</button></form></section>)";
    return out;
  }

  HttpResponse verify(const Who& w) {
    if (!options.archive) return no_archive(w);
    {
      std::lock_guard<std::mutex> lock(verified_mu);
      // A page anyone signed in can ask for: at most one full pass a minute.
      if (!verified || Clock::now() - verified->when > std::chrono::minutes(1)) {
        std::unique_lock<std::mutex> running(verify_mu, std::try_to_lock);
        if (!running.owns_lock())
          return page(503, "Archive chain", &w, "<p>A verification is running; try again.</p>");
        const auto now = std::chrono::system_clock::now();
        verified = Verified{
            options.archive->verify(),
            fmt::format("{:%Y-%m-%dT%H:%M:%S}Z", std::chrono::floor<std::chrono::seconds>(now)),
            Clock::now()};
      }
    }
    std::lock_guard<std::mutex> lock(verified_mu);
    const ArchiveVerification& v = verified->result;
    std::string main =
        fmt::format("<p class=\"{}\">{} records checked {}: {}.</p>", v.ok ? "ok" : "bad",
                    v.records, ui::escape(ui::when(verified->at)),
                    v.ok ? "the chain verifies" : "the chain does not verify");
    if (!v.ok) {
      main += "<ul>";
      for (size_t i = 0; i < v.problems.size() && i < 50; ++i)
        main += fmt::format("<li>{}</li>", ui::escape(v.problems[i]));
      main += "</ul>";
    }
    return page(v.ok ? 200 : 500, "Archive chain", &w, main);
  }

  HttpResponse decision(const Who& w, std::string_view id, int status = 200,
                        std::string_view notice = "", std::string_view alert = "",
                        const std::map<std::string, std::string>& kept = {}) {
    if (!options.archive) return no_archive(w);
    auto served = options.current();
    const CompiledPack& pack = *served->pack;
    std::optional<ArchiveRecord> r = id_like(id) ? options.archive->get(id) : std::nullopt;
    if (!r)
      return page(404, "No such decision", &w, "<p>The archive has no record by that id.</p>");
    // A review record's page is its decision's; the id comes from the archive, so it is
    // checked before it reaches a header.
    if (std::optional<Review> review = review_in(*r))
      return id_like(review->decision_id)
                 ? redirect("/ui/decisions/" + review->decision_id + "#reviews")
                 : page(404, "No such decision", &w,
                        "<p>This review record names no decision this page can show.</p>");
    const Json doc = Json::parse(r->document, nullptr, false);
    const bool text_shown = w.roles == nullptr || has_role(w.roles, "admin") || reviewer(w.roles) ||
                            (has_role(w.roles, "read") && pack.archive_text_to_readers);
    std::string main = fmt::format(
        R"(<p class="outcome"><span class="tag {}">{}</span></p>
<dl class="meta"><dt>Agreement</dt><dd><code>{}</code></dd><dt>Decided</dt><dd>{}</dd><dt>Asked by</dt><dd>{}</dd><dt>Text digest</dt><dd><code class="digest">{}</code></dd><dt>Policy</dt><dd>{} {} <code class="digest">{}</code></dd></dl>)",
        ui::escape(r->decision), ui::escape(ui::outcome_label(r->decision)),
        ui::escape(r->agreement_id), ui::escape(ui::when(r->time)), ui::escape(r->caller),
        ui::escape(r->agreement_digest), ui::escape(r->pack_name), ui::escape(r->pack_version),
        ui::escape(r->pack_digest));
    // What stands now, and who still has to speak on this text.
    std::optional<ArchiveRecord> latest = options.archive->latest_decision(r->agreement_id);
    const bool standing = latest && latest->seq == r->seq;
    if (!standing && latest)
      main += fmt::format(
          R"(<p class="notice">A newer decision stands on this agreement: <a href="/ui/decisions/{0}">{0}</a> ({1}).</p>)",
          ui::escape(latest->decision_id), ui::escape(ui::outcome_label(latest->decision)));
    std::vector<ArchiveRecord> reviews;
    std::vector<std::string> waiting = reviewers_asked(*r);
    for (ArchiveRecord& rv : options.archive->reviews_on(r->agreement_id, 1000)) {
      if (rv.agreement_digest != r->agreement_digest) continue;
      if (std::optional<Review> review = review_in(rv))
        waiting.erase(std::remove(waiting.begin(), waiting.end(), review->body), waiting.end());
      reviews.push_back(std::move(rv));
    }
    std::reverse(reviews.begin(), reviews.end());
    main += ui::reasons_section(doc, pack, text_shown);
    main += review_history(reviews, pack);
    if (r->decision == "needs_review" && standing) main += review_forms(w, *r, pack, waiting, kept);
    if (text_shown)
      main += ui::agreement_section(r->agreement, ui::evidence_lines(doc));
    else
      main +=
          R"(<section aria-labelledby="text-h"><h2 id="text-h">Agreement text</h2><p>This policy shows archived agreement text to reviewers only; the reasons above name the lines.</p></section>)";
    main += integrity(*r);
    return page(status, "Decision " + r->decision_id, &w, main, notice, alert);
  }

  static std::string review_history(const std::vector<ArchiveRecord>& reviews,
                                    const CompiledPack& pack) {
    std::string out =
        R"(<section aria-labelledby="reviews-h" id="reviews"><h2 id="reviews-h">Reviews of this text</h2>)";
    if (reviews.empty()) return out + "<p>No review has been recorded on this text.</p></section>";
    std::string rows;
    for (const ArchiveRecord& rv : reviews) {
      std::optional<Review> review = review_in(rv);
      if (!review) continue;
      rows += fmt::format(
          R"(<tr><td>{}</td><th scope="row">{}</th><td>{}</td><td>{}</td><td class="note">{}</td><td><code>{}</code></td></tr>)",
          ui::escape(ui::when(rv.time)), ui::escape(ui::body_title(pack, review->body)),
          ui::escape(review->verdict), ui::escape(review->reviewer), ui::escape(review->note),
          ui::escape(rv.decision_id));
    }
    return out +
           fmt::format(
               R"(<div class="scroll" tabindex="0" role="region" aria-label="Reviews"><table><caption>Oldest first; each body's latest verdict counts</caption>
<thead><tr><th scope="col">Time</th><th scope="col">Body</th><th scope="col">Verdict</th><th scope="col">Reviewer</th><th scope="col">Note</th><th scope="col">Record</th></tr></thead>
<tbody>{}</tbody></table></div></section>)",
               rows);
  }

  static std::string review_forms(const Who& w, const ArchiveRecord& r, const CompiledPack& pack,
                                  const std::vector<std::string>& waiting,
                                  const std::map<std::string, std::string>& kept) {
    std::string out;
    const std::vector<std::string> asked = reviewers_asked(r);
    for (const std::string& body : asked) {
      if (w.roles != nullptr && !has_role(w.roles, "review:" + body)) continue;
      const bool spoken = std::find(waiting.begin(), waiting.end(), body) == waiting.end();
      auto it = kept.find("body");
      const bool again = it != kept.end() && it->second == body;
      auto kept_value = [&](const char* k) {
        auto f = kept.find(k);
        return again && f != kept.end() ? f->second : std::string();
      };
      const std::string slug = ui::escape(body);
      std::string radios;
      for (const auto& [verdict, label] :
           {std::pair<std::string, std::string>{"approve", "Approve"},
            {"deny", "Deny"},
            {"request_changes", "Request changes"}})
        radios += fmt::format(
            R"(<p class="radio"><input type="radio" id="v-{0}-{1}" name="verdict" value="{1}" required{3}><label for="v-{0}-{1}">{2}</label></p>)",
            slug, verdict, label, kept_value("verdict") == verdict ? " checked" : "");
      out += fmt::format(
          R"(<form method="post" action="/ui/decisions/{0}/review" class="card review">{1}
<input type="hidden" name="body" value="{2}"><input type="hidden" name="digest" value="{3}">
<fieldset><legend>Review for {4}</legend>{5}{6}
<p><label for="note-{2}">Note (optional; up to 4096 bytes)</label><textarea id="note-{2}" name="note" rows="3" maxlength="4096">{7}</textarea></p>
<p><button type="submit">Record the review</button></p></fieldset></form>)",
          ui::escape(r.decision_id), csrf_field_of(w), slug, ui::escape(r.agreement_digest),
          ui::escape(ui::body_title(pack, body)),
          spoken ? "<p>This body has recorded a verdict on this text; a new one replaces it.</p>"
                 : "",
          radios, ui::escape(kept_value("note")));
    }
    if (out.empty()) return out;
    return R"(<section aria-labelledby="form-h"><h2 id="form-h">Your review</h2>)" + out +
           "</section>";
  }

  static std::string csrf_field_of(const Who& w) { return ui::csrf_field(w.viewer.csrf); }

  HttpResponse review(const Who& w, const HttpRequest& req, std::string_view id) {
    const auto fields = form_fields(req.body);
    if (!same_secret(field(fields, "csrf"), w.viewer.csrf))
      return refused(w, req.path, "csrf",
                     "This form is out of date or came from another site: "
                     "open the decision again and resend it.");
    const std::string body = field(fields, "body");
    if (!w.viewer.session && !options.tokens.empty())
      return refused(w, req.path, "review:" + body, "Sign in to review.");
    Json request{{"decision_id", std::string(id)},
                 {"agreement_digest", field(fields, "digest")},
                 {"body", body},
                 {"verdict", field(fields, "verdict")},
                 {"note", field(fields, "note")}};
    HttpResponse res = options.review(json_text(request), w.viewer.name, w.roles);
    const Json answer = Json::parse(res.body, nullptr, false);
    if (res.status == 201) {
      const std::string next = answer.is_object() ? answer.value("decision_id", "") : "";
      return redirect("/ui/decisions/" + (next.empty() ? std::string(id) : next) + "?done=review");
    }
    const std::string why = answer.is_object() ? answer.value("error", "") : "";
    std::map<std::string, std::string> kept;
    for (const char* k : {"body", "verdict", "note"}) kept[k] = field(fields, k);
    if (res.status == 403) {
      HttpResponse page403 =
          page(403, "Not for this token", &w, fmt::format("<p>{}</p>", ui::escape(why)));
      return page403;
    }
    return decision(w, id, res.status, "", "The review was not recorded: " + why, kept);
  }

  HttpResponse route(const HttpRequest& req) {
    const std::string& path = req.path;
    const bool get = req.method == "GET" || req.method == "HEAD";
    const bool post = req.method == "POST";
    if (path == "/ui/style.css" && get) {
      HttpResponse res;
      res.set_content(kStyle, "text/css; charset=utf-8");
      res.set_header("X-Content-Type-Options", "nosniff");
      res.set_header("Cache-Control", "max-age=3600");
      return res;
    }
    if (path == "/ui") return redirect("/ui/");
    if (path == "/ui/signin") {
      if (options.tokens.empty()) return redirect("/ui/");
      if (get) return signin_page(200, "");
      if (post) return signin(req);
    }
    if (path == "/ui/signout" && post) return signout(req);
    std::optional<Who> w = who(req);
    if (!w) return redirect("/ui/signin");
    if (!has_role(w->roles, "read") && !reviewer(w->roles))
      return refused(*w, path, "read", "Reading decisions needs the `read` role or a reviewer's.");
    std::string_view rest(path);
    if (get) {
      if (path == "/ui/") return home(*w);
      if (path == "/ui/search") return search(*w, req);
      if (path == "/ui/verify") return verify(*w);
      if (rest.rfind("/ui/queue/", 0) == 0) return queue(*w, rest.substr(10));
      if (rest.rfind("/ui/decisions/", 0) == 0 && rest.find('/', 14) == std::string_view::npos)
        return decision(*w, rest.substr(14), 200,
                        req.param("done") == "review" ? "Your review was recorded." : "");
    }
    if (post && rest.rfind("/ui/decisions/", 0) == 0 && rest.size() > 21 &&
        rest.substr(rest.size() - 7) == "/review")
      return review(*w, req, rest.substr(14, rest.size() - 21));
    return page(404, "Not found", &*w, "<p>There is no such page. <a href=\"/ui/\">Queues</a></p>");
  }
};

StaffUi::StaffUi(UiOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
}
StaffUi::~StaffUi() = default;

bool StaffUi::owns(std::string_view path) { return path == "/ui" || path.rfind("/ui/", 0) == 0; }

std::optional<HttpResponse> StaffUi::screen(const HttpRequest& head) {
  if (head.method != "POST") return std::nullopt;
  if (Impl::cross_site(head)) {
    impl_->log({{"event", "forbidden"}, {"path", head.path}, {"needs", "same-site form"}});
    return html(
        403, ui::frame("Not from here", nullptr, "<p>This form was sent from another site.</p>"));
  }
  if (head.path == "/ui/signin" || head.path == "/ui/signout") return std::nullopt;
  if (!impl_->who(head)) return redirect("/ui/signin");
  return std::nullopt;
}

HttpResponse StaffUi::handle(const HttpRequest& req) {
  if (auto early = screen(req)) return *early;
  return impl_->route(req);
}

}  // namespace steward::cli
