#include "scanner/python/record_parser.hpp"

#include <algorithm>
#include <charconv>

namespace envlock::scanner {

namespace {

// Fields 0..2 of one row (path, hash, size) into an entry; false (with the
// message in `error`) when the hash is not algorithm=digest.
bool fill_entry(std::string_view path, std::string_view hash, std::string_view size, RecordEntry& entry,
                std::string& error) {
  entry.path = std::string(path);
  if (!hash.empty()) {
    auto eq = hash.find('=');
    if (eq == std::string_view::npos) {
      error = "hash '" + std::string(hash) + "' is not algorithm=digest";
      return false;
    }
    entry.algorithm = std::string(hash.substr(0, eq));
    entry.digest = std::string(hash.substr(eq + 1));
  }
  if (!size.empty()) {
    std::uint64_t n = 0;
    auto [p, ec] = std::from_chars(size.data(), size.data() + size.size(), n);
    if (ec == std::errc() && p == size.data() + size.size()) entry.size = n;
  }
  return true;
}

}  // namespace

Result<std::vector<RecordEntry>> parse_record(std::string_view text, std::string_view source) {
  std::vector<RecordEntry> out;
  std::size_t i = 0, line = 1;
  std::string error;
  auto row_error = [&](std::size_t row_line) {
    return fail(std::string(source) + ":" + std::to_string(row_line) + ": " + error);
  };
  while (i < text.size()) {
    std::size_t row_line = line;
    // Nearly every row is plain "path,sha256=...,123" and ends in CRLF (pip's
    // csv writer): split it in place. Rows with quotes or other carriage
    // returns take the csv-module path below.
    std::size_t nl = text.find('\n', i);
    std::string_view row = text.substr(i, nl == std::string_view::npos ? std::string_view::npos : nl - i);
    if (row.ends_with('\r')) row.remove_suffix(1);
    // (A plain loop: find_first_of calls memchr once per character.)
    bool plain = std::none_of(row.begin(), row.end(), [](char c) { return c == '"' || c == '\r'; });
    if (plain) {
      i = nl == std::string_view::npos ? text.size() : nl + 1;
      ++line;
      std::string_view f[3];
      std::size_t at = 0;
      for (int k = 0; k < 3 && at != std::string_view::npos; ++k) {
        std::size_t comma = row.find(',', at);
        f[k] = row.substr(at, comma == std::string_view::npos ? std::string_view::npos : comma - at);
        at = comma == std::string_view::npos ? comma : comma + 1;
      }
      if (f[0].empty()) continue;
      RecordEntry entry;
      if (!fill_entry(f[0], f[1], f[2], entry, error)) return row_error(row_line);
      out.push_back(std::move(entry));
      continue;
    }
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
      error = "unterminated quote";
      return row_error(row_line);
    }
    if (fields[0].empty()) continue;
    fields.resize(std::max<std::size_t>(fields.size(), 3));
    RecordEntry entry;
    if (!fill_entry(fields[0], fields[1], fields[2], entry, error)) return row_error(row_line);
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
