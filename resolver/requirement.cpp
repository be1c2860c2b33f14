#include "resolver/requirement.hpp"

#include <algorithm>
#include <utility>

#include "resolver/name.hpp"

namespace envlock::resolver {

namespace {

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// Python's \w, approximately: ASCII word characters and any non-ASCII byte.
bool is_word(char c) { return is_alnum(c) || c == '_' || static_cast<unsigned char>(c) >= 0x80; }

class Parser {
 public:
  explicit Parser(std::string_view text) : s_(text) {}

  Result<Requirement> run() {
    Requirement r;
    r.text.assign(s_);
    skip_ws();
    const auto name = identifier();
    if (!name) return error("expected package name at the start of dependency specifier");
    r.raw_name.assign(*name);
    r.name = normalize_name(*name);
    skip_ws();
    if (peek() == '[') {
      const std::size_t open = pos_++;
      skip_ws();
      if (auto first = identifier()) {
        add_extra(r, *first);
        for (;;) {
          skip_ws();
          if (identifier_at(pos_)) return error("expected comma between extra names");
          if (peek() != ',') break;
          ++pos_;
          skip_ws();
          const auto extra = identifier();
          if (!extra) return error("expected extra name after comma");
          add_extra(r, *extra);
        }
      }
      skip_ws();
      if (peek() != ']') return error("expected closing bracket", open);
      ++pos_;
    }
    skip_ws();
    if (peek() == '@') {
      ++pos_;
      skip_ws();
      const std::size_t url_start = pos_;
      while (pos_ < s_.size() && s_[pos_] != ' ' && s_[pos_] != '\t') ++pos_;
      if (pos_ == url_start) return error("expected URL after @");
      r.url.assign(s_.substr(url_start, pos_ - url_start));
      if (!at_end()) {
        if (!skip_ws()) return error("expected whitespace after URL");
        if (!at_end()) ENVLOCK_TRY(marker(r, url_start, "URL and whitespace"));
      }
    } else {
      const std::size_t spec_start = pos_;
      std::string specs;
      bool comma_inside = false;
      std::size_t open = std::string_view::npos;
      if (peek() == '(') open = pos_++;
      skip_ws();
      while (auto scanned = detail::scan_specifier(s_, pos_)) {
        specs.append(s_.substr(pos_, scanned->end - pos_));
        // "===" takes any text up to a space, commas included.
        if (scanned->spec.text.find(',') != std::string::npos) comma_inside = true;
        r.specifier.specifiers.push_back(std::move(scanned->spec));
        pos_ = scanned->end;
        skip_ws();
        if (peek() != ',') break;
        specs.push_back(',');
        ++pos_;
        skip_ws();
      }
      skip_ws();
      if (open != std::string_view::npos) {
        if (peek() != ')') return error("expected closing parenthesis", open);
        ++pos_;
      }
      if (comma_inside) {
        // packaging joins the specifiers and splits them again on commas.
        auto set = detail::parse_specifier_list(specs, true);
        if (!set) return error("invalid version specifier", spec_start);
        r.specifier = std::move(*set);
      }
      skip_ws();
      if (!at_end()) {
        ENVLOCK_TRY(marker(r, spec_start,
                           specs.empty() ? "name and no valid version specifier"
                                         : "version specifier"));
      }
    }
    if (!at_end()) return error("expected end of dependency specifier");
    // Like packaging, the URL is judged after the whole line parsed.
    if (!r.url.empty() && !url_valid(r.url)) {
      return fail("invalid requirement '" + r.text + "': invalid URL '" + r.url + "'");
    }
    return r;
  }

 private:
  char peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }

  bool skip_ws() {
    const std::size_t start = pos_;
    while (peek() == ' ' || peek() == '\t') ++pos_;
    return pos_ != start;
  }

  // packaging's END token is the regex `$`, which also matches before a
  // final newline.
  bool at_end() const { return pos_ == s_.size() || (pos_ + 1 == s_.size() && s_[pos_] == '\n'); }

  tl::unexpected<Error> error(std::string_view what, std::size_t at = std::string_view::npos) {
    if (at == std::string_view::npos) at = pos_;
    return fail("invalid requirement '" + std::string(s_) + "': " + std::string(what) +
                " at column " + std::to_string(at + 1));
  }

  /// Length of `\b[a-zA-Z0-9][a-zA-Z0-9._-]*\b` at `p` (0: none); the
  /// regex backtracks from the longest run to the last word boundary.
  std::size_t identifier_at(std::size_t p) const {
    if (p >= s_.size() || !is_alnum(s_[p])) return 0;
    if (p > 0 && is_word(s_[p - 1])) return 0;
    std::size_t e = p + 1;
    while (e < s_.size() && is_name_char(s_[e])) ++e;
    for (; e > p; --e) {
      const bool before = is_word(s_[e - 1]);
      const bool after = e < s_.size() && is_word(s_[e]);
      if (before != after) return e - p;
    }
    return 0;
  }

  std::optional<std::string_view> identifier() {
    const std::size_t n = identifier_at(pos_);
    if (n == 0) return std::nullopt;
    const std::string_view out = s_.substr(pos_, n);
    pos_ += n;
    return out;
  }

  static void add_extra(Requirement& r, std::string_view extra) {
    std::string n = normalize_name(extra);
    if (std::find(r.extras.begin(), r.extras.end(), n) == r.extras.end()) {
      r.extras.push_back(std::move(n));
    }
  }

  Result<void> marker(Requirement& r, std::size_t span_start, std::string_view after) {
    if (peek() != ';') {
      return error("expected end or semicolon (after " + std::string(after) + ")", span_start);
    }
    ++pos_;
    std::string what;
    std::size_t p = pos_;
    auto m = detail::parse_marker_at(s_, p, what);
    if (!m) {
      pos_ = p;
      return error(what);
    }
    pos_ = p;
    skip_ws();
    r.marker = std::move(*m);
    return {};
  }

  static bool url_valid(std::string_view url);

  std::string_view s_;
  std::size_t pos_ = 0;
};

bool is_scheme_char(char c) { return is_alnum(c) || c == '+' || c == '-' || c == '.'; }

// packaging checks a URL with Python's urllib.parse: a scheme and a host are
// required, and a file: URL must survive urlparse + urlunparse unchanged.
// This follows urlsplit's steps (leading C0/space stripped, tab/CR/LF
// removed, scheme up to the first ':', netloc after "//", then '#', '?').
bool Parser::url_valid(std::string_view url) {
  std::string clean;
  std::size_t lead = 0;
  while (lead < url.size() && static_cast<unsigned char>(url[lead]) <= 0x20) ++lead;
  for (char c : url.substr(lead)) {
    if (c != '\t' && c != '\r' && c != '\n') clean.push_back(c);
  }
  std::string scheme;
  std::string_view rest = clean;
  const std::size_t colon = rest.find(':');
  if (colon != std::string_view::npos && colon > 0 &&
      ((rest[0] >= 'a' && rest[0] <= 'z') || (rest[0] >= 'A' && rest[0] <= 'Z')) &&
      std::all_of(rest.begin(), rest.begin() + static_cast<std::ptrdiff_t>(colon), is_scheme_char)) {
    for (char c : rest.substr(0, colon)) scheme.push_back(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    rest.remove_prefix(colon + 1);
  }
  std::string_view netloc;
  if (rest.starts_with("//")) {
    std::size_t end = rest.find_first_of("/?#", 2);
    if (end == std::string_view::npos) end = rest.size();
    netloc = rest.substr(2, end - 2);
    rest.remove_prefix(end);
    const bool open = netloc.find('[') != std::string_view::npos;
    const bool close = netloc.find(']') != std::string_view::npos;
    if (open != close) return false;  // urllib raises "Invalid IPv6 URL"
  }
  std::string_view fragment;
  std::string_view query;
  if (const std::size_t hash = rest.find('#'); hash != std::string_view::npos) {
    fragment = rest.substr(hash + 1);
    rest = rest.substr(0, hash);
  }
  if (const std::size_t q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  if (scheme != "file") return !scheme.empty() && !netloc.empty();

  std::string path(rest);
  std::string rebuilt;
  if (!netloc.empty() || !path.starts_with("//")) {
    if (!path.empty() && path[0] != '/') path.insert(0, "/");
    rebuilt = "//" + std::string(netloc) + path;
  } else {
    rebuilt = path;
  }
  rebuilt.insert(0, scheme + ":");
  if (!query.empty()) rebuilt += "?" + std::string(query);
  if (!fragment.empty()) rebuilt += "#" + std::string(fragment);
  return rebuilt == url;
}

}  // namespace

Result<Requirement> parse_requirement(std::string_view text) { return Parser(text).run(); }

std::string to_string(const Requirement& r) {
  std::string out = r.raw_name;
  if (!r.extras.empty()) {
    std::vector<std::string> extras = r.extras;
    std::sort(extras.begin(), extras.end());
    out += '[';
    for (std::size_t i = 0; i < extras.size(); ++i) {
      if (i) out += ',';
      out += extras[i];
    }
    out += ']';
  }
  out += to_string(r.specifier);
  if (!r.url.empty()) {
    out += "@ " + r.url;
    if (r.marker) out += ' ';
  }
  if (r.marker) out += "; " + to_string(*r.marker);
  return out;
}

}  // namespace envlock::resolver
