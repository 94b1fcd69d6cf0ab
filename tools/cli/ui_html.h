// The markup of the staff pages (/ui/): escaping, the page frame, and the parts that show an
// archived decision. Every byte that came from a proposer, a reviewer or the archive passes
// through escape() here; the pages carry no script, so they read the same without JavaScript.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "steward/archive.h"
#include "steward/compiler.h"

namespace steward::cli::ui {

// Text safe in HTML content and in double-quoted attribute values. Invalid UTF-8 is replaced
// (U+FFFD), and control characters other than newline and tab are shown as `\xNN`, so that
// no byte can end an element, an attribute or a line the page draws.
std::string escape(std::string_view text);

// Percent-encodes a query value (for links that carry a search).
std::string url_encode(std::string_view text);

// Who is looking: the frame shows the name and, for a signed-in session, a sign-out button.
struct Viewer {
  std::string name;
  bool session = false;  // signed in with a token (false: a server without tokens)
  std::string csrf;      // the form token of the session
};

// A whole page: `main` is markup already escaped; `notice` (plain text) is shown above it in
// a status region, `alert` as an error.
std::string frame(std::string_view title, const Viewer* viewer, std::string_view main,
                  std::string_view notice = "", std::string_view alert = "");

// The hidden form field every POST form carries.
std::string csrf_field(std::string_view csrf);

// "2026-12-03 01:02 UTC" from an archive time.
std::string when(std::string_view archive_time);
// Seconds since the epoch of an archive time (RFC 3339, UTC); -1 when it is not one.
int64_t epoch_seconds(std::string_view archive_time);
// Seconds since the epoch now.
int64_t now_seconds();
// "3 d 4 h", "5 h 12 min", "40 s".
std::string age(int64_t seconds);

// The words for an outcome: "Allow", "Deny", "Needs review", "Review".
std::string outcome_label(std::string_view outcome);
// A reviewer body's title from the pack, or its name.
std::string body_title(const CompiledPack& pack, std::string_view body);

// The reasons of a decision document, each with its clause's title and citation from the pack
// and links to the agreement lines it points at (`#L<line>`) when the text is shown.
std::string reasons_section(const nlohmann::json& document, const CompiledPack& pack,
                            bool text_shown);

// The agreement text with numbered lines (`id="L<n>"`); the lines in `marked` are highlighted.
std::string agreement_section(std::string_view text, const std::vector<uint32_t>& marked);

// The lines a decision document's reasons point at, sorted and unique.
std::vector<uint32_t> evidence_lines(const nlohmann::json& document);

}  // namespace steward::cli::ui
