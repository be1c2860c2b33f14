#include "lockfile/value_budget.hpp"

#include <algorithm>

namespace envlock::lockfile {

std::size_t value_budget(std::size_t bytes) {
  return std::max(kMinValueBudget, bytes / kBytesPerValue);
}

namespace {

// One pass over the text with the line number kept; `count` is called for
// every byte outside strings and comments.
struct Counter {
  std::string_view text;
  std::size_t budget;
  ValueCount result;
  std::size_t line = 1;

  bool add() {
    if (++result.values > budget) {
      result.over_budget_line = line;
      return false;
    }
    return true;
  }
};

}  // namespace

ValueCount count_toml_values(std::string_view text, std::size_t budget) {
  Counter c{text, budget, {}, 1};
  std::size_t i = 0;
  const std::size_t n = text.size();
  // A TOML string: "..." or '...' on one line, """...""" or '''...''' over
  // many; backslash escapes only in the double-quoted kinds.
  auto skip_string = [&](char q) {
    bool multi = i + 2 < n && text[i + 1] == q && text[i + 2] == q;
    i += multi ? 3 : 1;
    while (i < n) {
      char ch = text[i];
      if (ch == '\\' && q == '"') {
        if (i + 1 < n && text[i + 1] == '\n') ++c.line;
        i += 2;
        continue;
      }
      if (ch == '\n') {
        ++c.line;
        if (!multi) return;  // unterminated: toml++ reports it
      }
      if (ch == q) {
        if (!multi) {
          ++i;
          return;
        }
        if (i + 2 < n && text[i + 1] == q && text[i + 2] == q) {
          // Up to two more quotes may belong to the content ("""a"""").
          i += 3;
          while (i < n && text[i] == q) ++i;
          return;
        }
      }
      ++i;
    }
  };
  while (i < n) {
    char ch = text[i];
    switch (ch) {
      case '"':
      case '\'': skip_string(ch); continue;
      case '#':
        while (i < n && text[i] != '\n') ++i;
        continue;
      case '\n': ++c.line; break;
      case '=':
      case ',':
      case '[':
      case '{':
      case '.':
        if (!c.add()) return c.result;
        break;
      default: break;
    }
    ++i;
  }
  return c.result;
}

ValueCount count_json_values(std::string_view text, std::size_t budget) {
  Counter c{text, budget, {}, 1};
  if (!c.add()) return c.result;  // the root
  std::size_t i = 0;
  const std::size_t n = text.size();
  while (i < n) {
    char ch = text[i];
    switch (ch) {
      case '"':
        for (++i; i < n && text[i] != '"'; ++i) {
          if (text[i] == '\\') ++i;
          if (i < n && text[i] == '\n') ++c.line;  // invalid JSON; the parser says so
        }
        break;
      case '\n': ++c.line; break;
      case ':':
      case ',':
      case '[':
      case '{':
        if (!c.add()) return c.result;
        break;
      default: break;
    }
    ++i;
  }
  return c.result;
}

}  // namespace envlock::lockfile
