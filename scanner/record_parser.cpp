#include "scanner/record_parser.hpp"

#include <charconv>

namespace envlock::scanner {

Result<std::vector<RecordEntry>> parse_record(std::string_view text, std::string_view source) {
  std::vector<RecordEntry> out;
  std::size_t i = 0, line = 1;
  while (i < text.size()) {
    std::size_t row_line = line;
    std::vector<std::string> fields(1);
    bool in_quotes = false, field_started = false;
    for (; i < text.size(); ++i) {
      char c = text[i];
      if (in_quotes) {
        if (c == '"') {
          if (i + 1 < text.size() && text[i + 1] == '"') {
            fields.back().push_back('"');
            ++i;
          } else {
            in_quotes = false;
          }
        } else {
          if (c == '\n') ++line;
          fields.back().push_back(c);
        }
        continue;
      }
      if (c == '"' && !field_started) {
        in_quotes = field_started = true;
      } else if (c == ',') {
        fields.emplace_back();
        field_started = false;
      } else if (c == '\n') {
        ++i;
        ++line;
        break;
      } else if (c == '\r') {
        // part of a CRLF line ending
      } else {
        fields.back().push_back(c);
        field_started = true;
      }
    }
    if (in_quotes) {
      return fail(std::string(source) + ":" + std::to_string(row_line) + ": unterminated quote");
    }
    if (fields[0].empty()) continue;
    RecordEntry entry;
    entry.path = std::move(fields[0]);
    if (fields.size() > 1 && !fields[1].empty()) {
      auto eq = fields[1].find('=');
      if (eq == std::string::npos) {
        return fail(std::string(source) + ":" + std::to_string(row_line) + ": hash '" +
                    fields[1] + "' is not algorithm=digest");
      }
      entry.algorithm = fields[1].substr(0, eq);
      entry.digest = fields[1].substr(eq + 1);
    }
    if (fields.size() > 2 && !fields[2].empty()) {
      std::uint64_t size = 0;
      auto [p, ec] = std::from_chars(fields[2].data(), fields[2].data() + fields[2].size(), size);
      if (ec == std::errc() && p == fields[2].data() + fields[2].size()) entry.size = size;
    }
    out.push_back(std::move(entry));
  }
  return out;
}

std::string urlsafe_b64(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::size_t i = 0;
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(bytes[k]); };
  for (; i + 2 < bytes.size(); i += 3) {
    std::uint32_t v = byte(i) << 16 | byte(i + 1) << 8 | byte(i + 2);
    out.push_back(kAlphabet[v >> 18 & 63]);
    out.push_back(kAlphabet[v >> 12 & 63]);
    out.push_back(kAlphabet[v >> 6 & 63]);
    out.push_back(kAlphabet[v & 63]);
  }
  if (bytes.size() - i == 1) {
    std::uint32_t v = byte(i) << 16;
    out.push_back(kAlphabet[v >> 18 & 63]);
    out.push_back(kAlphabet[v >> 12 & 63]);
  } else if (bytes.size() - i == 2) {
    std::uint32_t v = byte(i) << 16 | byte(i + 1) << 8;
    out.push_back(kAlphabet[v >> 18 & 63]);
    out.push_back(kAlphabet[v >> 12 & 63]);
    out.push_back(kAlphabet[v >> 6 & 63]);
  }
  return out;
}

}  // namespace envlock::scanner
