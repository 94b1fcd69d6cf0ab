// A libyaml event parser over a text, with its current event (internal to the runtime): shared
// by the general YAML reader (yaml_reader.cpp) and the YAML fast path (yaml_document.cpp), so
// that both read the same events.
#pragma once

#include <yaml.h>

#include <string_view>

namespace steward::detail {

class YamlEvents {
 public:
  explicit YamlEvents(std::string_view input) {
    yaml_parser_initialize(&parser_);
    yaml_parser_set_input_string(&parser_, reinterpret_cast<const unsigned char*>(input.data()),
                                 input.size());
  }
  ~YamlEvents() {
    if (has_event_) yaml_event_delete(&event_);
    yaml_parser_delete(&parser_);
  }
  YamlEvents(const YamlEvents&) = delete;
  YamlEvents& operator=(const YamlEvents&) = delete;

  // The next event, freeing the current one; false at a parse error (see parser()).
  bool next() {
    if (has_event_) yaml_event_delete(&event_);
    has_event_ = yaml_parser_parse(&parser_, &event_) != 0;
    return has_event_;
  }
  const yaml_event_t& event() const { return event_; }
  const yaml_parser_t& parser() const { return parser_; }

 private:
  yaml_parser_t parser_;
  yaml_event_t event_;
  bool has_event_ = false;
};

}  // namespace steward::detail
