// Reading the text of HTTP requests for the service: content types, JSON array bodies,
// percent-encoding. Pure functions, shared by the routes and their tests.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "steward/document.h"

namespace steward::cli {

// The format a request body's Content-Type asks for: JSON for application/json and
// application/*+json, YAML for application/yaml, application/x-yaml, text/yaml and
// text/x-yaml; false for anything else (a browser's cross-site form posts text/plain or
// form encodings, which must never reach the evaluator).
bool body_format(std::string_view content_type, DocumentFormat* format);

// Splits a JSON array's text into the text of its items without building a tree (so depth
// costs no stack). Returns false, with `error`, when `body` is not one array.
bool split_json_array(std::string_view body, std::vector<std::string_view>* items,
                      std::string* error);

// Header names and tokens compare without regard to ASCII case.
bool iequals(std::string_view a, std::string_view b);

}  // namespace steward::cli
