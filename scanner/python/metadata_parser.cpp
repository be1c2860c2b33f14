#include "scanner/python/metadata_parser.hpp"

#include <algorithm>

#include "base/text.hpp"

namespace envlock::scanner {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t extra;
    std::uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      extra = 1, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3, cp = c & 0x07;
    } else {
      return false;
    }
    if (i + extra >= s.size()) return false;
    for (std::size_t k = 1; k <= extra; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = cp << 6 | (cc & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
    static constexpr std::uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += extra + 1;
  }
  return true;
}

// A header value loses blanks before it and blanks or carriage returns after.
std::string_view trim_value(std::string_view s) { return trim_right(trim_left(s, " \t"), " \t\r"); }

}  // namespace

std::string to_utf8(std::string_view text) {
  if (valid_utf8(text)) return std::string(text);
  std::string out;
  out.reserve(text.size() + text.size() / 4);
  for (unsigned char c : text) {
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back(static_cast<char>(0xC0 | c >> 6));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
  }
  return out;
}

std::string Headers::get(std::string_view name) const {
  for (const auto& [k, v] : fields) {
    if (iequals(k, name)) return v;
  }
  return {};
}

std::vector<std::string> Headers::get_all(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& [k, v] : fields) {
    if (iequals(k, name)) out.push_back(v);
  }
  return out;
}

bool Headers::has(std::string_view name) const {
  return std::any_of(fields.begin(), fields.end(),
                     [&](const auto& kv) { return iequals(kv.first, name); });
}

Result<Headers> parse_headers(std::string_view raw, std::string_view source) {
  std::string text = to_utf8(raw);
  std::string_view rest = text;
  if (rest.starts_with("\xEF\xBB\xBF")) rest.remove_prefix(3);  // a BOM is not part of a name
  Headers out;
  std::size_t line_no = 0;
  for (std::string_view line : Lines(rest)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) break;  // headers end at the first blank line
    if (line.front() == ' ' || line.front() == '\t') {
      if (out.fields.empty()) {
        return fail(std::string(source) + ":1: continuation line before any header");
      }
      auto& value = out.fields.back().second;
      value.push_back('\n');
      value.append(trim_value(line));
      continue;
    }
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0 ||
        line.substr(0, colon).find_first_of(" \t") != std::string_view::npos) {
      if (out.fields.empty()) {
        return fail(std::string(source) + ":" + std::to_string(line_no) +
                    ": not a metadata header: '" + std::string(line.substr(0, 60)) + "'");
      }
      continue;
    }
    out.fields.emplace_back(std::string(line.substr(0, colon)),
                            std::string(trim_value(line.substr(colon + 1))));
  }
  return out;
}

}  // namespace envlock::scanner
