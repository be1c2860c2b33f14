#include "resolver/version.hpp"

#include <algorithm>
#include <array>

namespace envlock::resolver {

namespace {

// CPython refuses int() of longer decimal strings, so packaging (and pip)
// cannot hold such a version; treating it as invalid keeps us in step.
constexpr std::size_t kMaxDigits = 4300;

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_alnum(char c) { return is_digit(c) || is_alpha(c); }
bool is_separator(char c) { return c == '.' || c == '-' || c == '_'; }
char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

char at(std::string_view s, std::size_t i) { return i < s.size() ? s[i] : '\0'; }

/// Case-insensitive: does `s` hold `word` at `pos`?
bool has_word(std::string_view s, std::size_t pos, std::string_view word) {
  if (pos > s.size() || s.size() - pos < word.size()) return false;
  for (std::size_t i = 0; i < word.size(); ++i) {
    if (lower(s[pos + i]) != word[i]) return false;
  }
  return true;
}

/// Length of the digit run at `pos`.
std::size_t digit_run(std::string_view s, std::size_t pos) {
  std::size_t n = 0;
  while (is_digit(at(s, pos + n))) ++n;
  return n;
}

// Longer spellings first so that "preview" is not read as "pre" + "view";
// packaging's regex reaches the same result by backtracking.
constexpr std::array<std::string_view, 8> kPreWords = {"alpha", "beta", "preview", "pre",
                                                       "rc",    "a",    "b",       "c"};
constexpr std::array<std::string_view, 3> kPostWords = {"post", "rev", "r"};
constexpr std::array<std::string_view, 1> kDevWords = {"dev"};

PreKind pre_kind_of(char first) {
  switch (first) {
    case 'a': return PreKind::kAlpha;
    case 'b': return PreKind::kBeta;
    default: return PreKind::kRc;  // c, pre, preview, rc
  }
}

/// Reads `[-_.]? word [-_.]? digits?` at `pos` greedily, as packaging's regex
/// does; `word_at(s, p)` gives the length of a keyword at p (0: none). Returns
/// false and leaves `pos` alone when no keyword is there.
template <class WordAt>
bool letter_segment(std::string_view s, std::size_t& pos, WordAt&& word_at, Number& number,
                    bool& too_long) {
  std::size_t p = pos;
  if (is_separator(at(s, p))) ++p;
  const std::size_t word_len = word_at(s, p);
  if (word_len == 0) return false;
  p += word_len;
  if (is_separator(at(s, p))) ++p;
  const std::size_t n = digit_run(s, p);
  if (n > kMaxDigits) too_long = true;
  number = n ? Number::from_digits(s.substr(p, n)) : Number();
  pos = p + n;
  return true;
}

template <std::size_t N>
std::size_t word_in(std::string_view s, std::size_t p, const std::array<std::string_view, N>& words) {
  for (std::string_view w : words) {
    if (has_word(s, p, w)) return w.size();
  }
  return 0;
}

int compare_numbers(const Number& a, const Number& b) {
  const auto c = a <=> b;
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

int compare_release(const std::vector<Number>& a, const std::vector<Number>& b) {
  static const Number zero;
  const std::size_t n = std::max(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    const Number& x = i < a.size() ? a[i] : zero;
    const Number& y = i < b.size() ? b[i] : zero;
    if (int c = compare_numbers(x, y)) return c;
  }
  return 0;
}

// A dev release with neither pre nor post sorts before the pre-releases of
// the same release ("1.0.dev1" < "1.0a1"); one with no pre sorts after them.
int pre_rank(const Version& v) {
  if (!v.pre && !v.post && v.dev) return 0;
  return v.pre ? 1 : 2;
}

int compare_local(const std::vector<LocalSegment>& a, const std::vector<LocalSegment>& b) {
  const std::size_t n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    const LocalSegment& x = a[i];
    const LocalSegment& y = b[i];
    if (x.numeric != y.numeric) return x.numeric ? 1 : -1;
    if (x.numeric) {
      if (int c = compare_numbers(Number::from_digits(x.text), Number::from_digits(y.text))) return c;
    } else if (int c = x.text.compare(y.text)) {
      return c < 0 ? -1 : 1;
    }
  }
  if (a.size() == b.size()) return 0;
  return a.size() < b.size() ? -1 : 1;
}

}  // namespace

Number Number::from_digits(std::string_view digits) {
  Number n;
  std::size_t i = 0;
  while (i < digits.size() && digits[i] == '0') ++i;
  n.digits_.assign(digits.substr(i));
  return n;
}

std::strong_ordering operator<=>(const Number& a, const Number& b) {
  if (a.digits_.size() != b.digits_.size()) return a.digits_.size() <=> b.digits_.size();
  const int c = a.digits_.compare(b.digits_);
  return c < 0 ? std::strong_ordering::less
               : (c > 0 ? std::strong_ordering::greater : std::strong_ordering::equal);
}

namespace detail {

std::size_t space_at(std::string_view s, std::size_t pos) {
  if (pos >= s.size()) return 0;
  const auto b = [&](std::size_t i) { return i < s.size() ? static_cast<unsigned char>(s[i]) : 0u; };
  const unsigned c = b(pos);
  if (c == ' ' || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f)) return 1;
  if (c == 0xC2 && (b(pos + 1) == 0x85 || b(pos + 1) == 0xA0)) return 2;
  if (c == 0xE1 && b(pos + 1) == 0x9A && b(pos + 2) == 0x80) return 3;
  if (c == 0xE2 && b(pos + 1) == 0x80) {
    const unsigned d = b(pos + 2);
    if ((d >= 0x80 && d <= 0x8A) || d == 0xA8 || d == 0xA9 || d == 0xAF) return 3;
  }
  if (c == 0xE2 && b(pos + 1) == 0x81 && b(pos + 2) == 0x9F) return 3;
  if (c == 0xE3 && b(pos + 1) == 0x80 && b(pos + 2) == 0x80) return 3;
  return 0;
}

std::string_view python_strip(std::string_view s) {
  while (const std::size_t n = space_at(s, 0)) s.remove_prefix(n);
  for (;;) {
    // A trailing space is one to three bytes long; try each length.
    std::size_t n = 0;
    for (std::size_t len = 1; len <= 3 && len <= s.size(); ++len) {
      if (space_at(s, s.size() - len) == len) {
        n = len;
        break;
      }
    }
    if (n == 0) return s;
    s.remove_suffix(n);
  }
}

std::optional<ScannedVersion> scan_version(std::string_view s, std::size_t pos,
                                           const VersionGrammar& grammar) {
  ScannedVersion out;
  Version& v = out.version;
  bool too_long = false;
  std::size_t p = pos;
  if (lower(at(s, p)) == 'v') ++p;

  std::size_t n = digit_run(s, p);
  if (n == 0) return std::nullopt;
  v.release.reserve(4);
  if (at(s, p + n) == '!' && is_digit(at(s, p + n + 1))) {
    if (n > kMaxDigits) too_long = true;
    v.epoch = Number::from_digits(s.substr(p, n));
    p += n + 1;
    n = digit_run(s, p);
  }
  for (;;) {
    if (n > kMaxDigits) too_long = true;
    v.release.push_back(Number::from_digits(s.substr(p, n)));
    p += n;
    if (at(s, p) != '.' || !is_digit(at(s, p + 1))) break;
    ++p;
    n = digit_run(s, p);
  }
  if (v.release.size() < grammar.min_release) return std::nullopt;

  if (grammar.allow_wildcard && at(s, p) == '.' && at(s, p + 1) == '*') {
    out.wildcard = true;
    p += 2;
  } else {
    Number number;
    std::size_t pre_at = 0;
    auto pre_word = [&pre_at](std::string_view text, std::size_t q) {
      pre_at = q;
      return word_in(text, q, kPreWords);
    };
    if (letter_segment(s, p, pre_word, number, too_long)) {
      v.pre = PreRelease{pre_kind_of(lower(s[pre_at])), number};
    }
    // "1.0-1": a bare number after a hyphen is a post release.
    auto post_word = [](std::string_view text, std::size_t q) { return word_in(text, q, kPostWords); };
    auto dev_word = [](std::string_view text, std::size_t q) { return word_in(text, q, kDevWords); };
    if (at(s, p) == '-' && is_digit(at(s, p + 1))) {
      n = digit_run(s, p + 1);
      if (n > kMaxDigits) too_long = true;
      v.post = Number::from_digits(s.substr(p + 1, n));
      p += 1 + n;
    } else if (letter_segment(s, p, post_word, number, too_long)) {
      v.post = number;
    }
    if (letter_segment(s, p, dev_word, number, too_long)) v.dev = number;

    if (grammar.allow_local && at(s, p) == '+' && is_alnum(at(s, p + 1))) {
      ++p;
      for (;;) {
        std::size_t m = 0;
        while (is_alnum(at(s, p + m))) ++m;
        const std::string_view part = s.substr(p, m);
        LocalSegment seg;
        seg.numeric = std::all_of(part.begin(), part.end(), is_digit);
        if (seg.numeric) {
          if (m > kMaxDigits) too_long = true;
          seg.text = std::string(Number::from_digits(part).digits());
        } else {
          seg.text.reserve(m);
          for (char c : part) seg.text.push_back(lower(c));
        }
        v.local.push_back(std::move(seg));
        p += m;
        if (!is_separator(at(s, p)) || !is_alnum(at(s, p + 1))) break;
        ++p;
      }
    }
  }
  if (too_long) return std::nullopt;
  v.raw.assign(s.substr(pos, p - pos));
  out.end = p;
  return out;
}

}  // namespace detail

std::optional<Version> parse_version(std::string_view text) {
  const std::string_view t = detail::python_strip(text);
  auto scanned = detail::scan_version(t, 0, detail::VersionGrammar{});
  if (!scanned || scanned->end != t.size()) return std::nullopt;
  return std::move(scanned->version);
}

Version parse_version_or_legacy(std::string_view text) {
  if (auto v = parse_version(text)) return std::move(*v);
  Version legacy;
  legacy.legacy = true;
  legacy.raw.assign(detail::python_strip(text));
  return legacy;
}

std::string to_string(const Version& v) {
  if (v.legacy) return v.raw;
  std::string out;
  if (!v.epoch.is_zero()) {
    out.append(v.epoch.digits());
    out.push_back('!');
  }
  for (std::size_t i = 0; i < v.release.size(); ++i) {
    if (i) out.push_back('.');
    out.append(v.release[i].digits());
  }
  if (v.pre) {
    static constexpr std::array<std::string_view, 3> kTags = {"a", "b", "rc"};
    out.append(kTags[static_cast<std::size_t>(v.pre->kind)]);
    out.append(v.pre->number.digits());
  }
  if (v.post) {
    out.append(".post");
    out.append(v.post->digits());
  }
  if (v.dev) {
    out.append(".dev");
    out.append(v.dev->digits());
  }
  for (std::size_t i = 0; i < v.local.size(); ++i) {
    out.push_back(i ? '.' : '+');
    out.append(v.local[i].text);
  }
  return out;
}

Version public_version(const Version& v) {
  Version out = v;
  out.local.clear();
  return out;
}

Version base_version(const Version& v) {
  Version out;
  out.epoch = v.epoch;
  out.release = v.release;
  out.legacy = v.legacy;
  out.raw = v.raw;
  return out;
}

int compare(const Version& a, const Version& b) {
  if (a.legacy || b.legacy) {
    if (a.legacy != b.legacy) return a.legacy ? -1 : 1;
    const int c = a.raw.compare(b.raw);
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  if (int c = compare_numbers(a.epoch, b.epoch)) return c;
  if (int c = compare_release(a.release, b.release)) return c;
  const int ra = pre_rank(a);
  const int rb = pre_rank(b);
  if (ra != rb) return ra < rb ? -1 : 1;
  if (ra == 1) {
    if (a.pre->kind != b.pre->kind) return a.pre->kind < b.pre->kind ? -1 : 1;
    if (int c = compare_numbers(a.pre->number, b.pre->number)) return c;
  }
  if (a.post.has_value() != b.post.has_value()) return a.post ? 1 : -1;
  if (a.post) {
    if (int c = compare_numbers(*a.post, *b.post)) return c;
  }
  if (a.dev.has_value() != b.dev.has_value()) return a.dev ? -1 : 1;
  if (a.dev) {
    if (int c = compare_numbers(*a.dev, *b.dev)) return c;
  }
  if (a.local.empty() != b.local.empty()) return a.local.empty() ? -1 : 1;
  return compare_local(a.local, b.local);
}

bool versions_equal(std::string_view a, std::string_view b) {
  const auto va = parse_version(a);
  const auto vb = parse_version(b);
  if (va && vb) return compare(*va, *vb) == 0;
  if (va || vb) return false;
  return a == b;
}

}  // namespace envlock::resolver
