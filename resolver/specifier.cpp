#include "resolver/specifier.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace envlock::resolver {

namespace {

using detail::space_at;
using detail::python_strip;

struct OpSpelling {
  std::string_view text;
  SpecOp op;
};

// "===" first: packaging tries "==" first but its version pattern cannot
// start with '=', so it backtracks to "===" and ends up in the same place.
constexpr std::array<OpSpelling, 8> kOps = {{{"===", SpecOp::kArbitrary},
                                             {"~=", SpecOp::kCompatible},
                                             {"==", SpecOp::kEqual},
                                             {"!=", SpecOp::kNotEqual},
                                             {"<=", SpecOp::kLessEqual},
                                             {">=", SpecOp::kGreaterEqual},
                                             {"<", SpecOp::kLess},
                                             {">", SpecOp::kGreater}}};

bool is_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::optional<detail::ScannedSpecifier> scan(std::string_view s, std::size_t pos) {
  const OpSpelling* spelling = nullptr;
  for (const auto& o : kOps) {
    if (s.substr(pos).starts_with(o.text)) {
      spelling = &o;
      break;
    }
  }
  if (!spelling) return std::nullopt;
  detail::ScannedSpecifier out;
  Specifier& spec = out.spec;
  spec.op = spelling->op;
  std::size_t p = pos + spelling->text.size();
  while (const std::size_t n = space_at(s, p)) p += n;
  const std::size_t version_begin = p;
  if (spec.op == SpecOp::kArbitrary) {
    // Anything up to whitespace, ';' (a marker follows) or ')' (the
    // specifier was parenthesized); possibly nothing at all.
    while (p < s.size() && !space_at(s, p) && s[p] != ';' && s[p] != ')') ++p;
    spec.text.assign(s.substr(version_begin, p - version_begin));
    spec.version = parse_version_or_legacy(spec.text);
    out.end = p;
    return out;
  }
  detail::VersionGrammar grammar;
  grammar.allow_local = spec.op == SpecOp::kEqual || spec.op == SpecOp::kNotEqual;
  grammar.allow_wildcard = grammar.allow_local;
  grammar.min_release = spec.op == SpecOp::kCompatible ? 2 : 1;
  auto v = detail::scan_version(s, p, grammar);
  if (!v) return std::nullopt;
  out.end = v->end;
  spec.wildcard = v->wildcard;
  spec.version = std::move(v->version);
  spec.text = spec.version.raw;
  if (spec.wildcard) spec.version.raw.resize(spec.version.raw.size() - 2);
  return out;
}

// packaging's canonicalize_version: the normalized form, optionally with
// trailing ".0" release segments dropped (keeping at least one).
std::string canonical(const Version& v, bool strip_trailing_zero) {
  if (!strip_trailing_zero) return to_string(v);
  Version copy = v;
  while (copy.release.size() > 1 && copy.release.back().is_zero()) copy.release.pop_back();
  return to_string(copy);
}

// packaging's _version_split: split on '.', and a segment like "2rc1" (a
// release number glued to a normalized pre-release) becomes "2", "rc1".
std::vector<std::string> version_split(std::string_view s) {
  std::vector<std::string> out;
  std::size_t begin = 0;
  for (;;) {
    const std::size_t dot = s.find('.', begin);
    const std::string_view item = s.substr(begin, dot == std::string_view::npos ? s.npos : dot - begin);
    std::size_t d = 0;
    while (d < item.size() && item[d] >= '0' && item[d] <= '9') ++d;
    std::size_t split = std::string_view::npos;
    if (d > 0) {
      const std::string_view rest = item.substr(d);
      for (std::string_view tag : {"rc", "a", "b", "c"}) {
        if (rest.starts_with(tag) && is_digits(rest.substr(tag.size()))) {
          split = d;
          break;
        }
      }
    }
    if (split != std::string_view::npos) {
      out.emplace_back(item.substr(0, split));
      out.emplace_back(item.substr(split));
    } else {
      out.emplace_back(item);
    }
    if (dot == std::string_view::npos) break;
    begin = dot + 1;
  }
  return out;
}

// "==P.*": packaging compares strings, not versions. The candidate's public
// version (trailing zeros dropped) and the prefix are split into segments,
// the candidate's release is padded with zeros to the prefix's length, and
// its first segments must equal the prefix's. This differs from PEP 440 for
// epochs ("1!1" is not matched by "==1!1.0.*", "1!1a1" not by "==1!1.*")
// because "1!1" is not a number segment; packaging's verdict is kept.
bool prefix_match(const Version& candidate, std::string_view prefix) {
  const std::vector<std::string> cand = version_split(canonical(public_version(candidate), true));
  const auto parsed = parse_version(prefix);
  const std::vector<std::string> spec =
      version_split(parsed ? canonical(*parsed, false) : std::string(prefix));
  auto release_len = [](const std::vector<std::string>& items) {
    std::size_t n = 0;
    while (n < items.size() && is_digits(items[n])) ++n;
    return n;
  };
  const std::size_t cand_rel = release_len(cand);
  const std::size_t spec_rel = release_len(spec);
  std::vector<std::string> padded(cand.begin(), cand.begin() + static_cast<std::ptrdiff_t>(cand_rel));
  for (std::size_t i = cand_rel; i < spec_rel; ++i) padded.emplace_back("0");
  padded.insert(padded.end(), cand.begin() + static_cast<std::ptrdiff_t>(cand_rel), cand.end());
  if (padded.size() < spec.size()) return false;
  return std::equal(spec.begin(), spec.end(), padded.begin());
}

// "~=V": ">=V" and "==P.*", P being V's spelling cut before its first
// suffix segment and then by one more segment. packaging derives P from the
// text as written and only recognizes suffix segments starting with "dev",
// "a", "b", "rc" or "post" (case-sensitive), so "~=1.4.c1" means
// ">=1.4rc1,==1.4.*" there, not "==1.*"; packaging's verdict is kept.
std::string compatible_prefix(std::string_view text) {
  const std::vector<std::string> items = version_split(text);
  std::size_t keep = 0;
  while (keep < items.size()) {
    const std::string& item = items[keep];
    bool suffix = false;
    for (std::string_view tag : {"dev", "a", "b", "rc", "post"}) {
      if (std::string_view(item).starts_with(tag)) suffix = true;
    }
    if (suffix) break;
    ++keep;
  }
  std::string out;
  for (std::size_t i = 0; i + 1 < keep; ++i) {
    if (i) out.push_back('.');
    out.append(items[i]);
  }
  return out;
}

bool same_base(const Version& a, const Version& b) {
  return compare(base_version(a), base_version(b)) == 0;
}

bool compare_op(const Specifier& spec, const Version& c) {
  const Version& v = spec.version;
  switch (spec.op) {
    case SpecOp::kEqual:
    case SpecOp::kNotEqual: {
      bool equal;
      if (spec.wildcard) {
        equal = prefix_match(c, std::string_view(spec.text).substr(0, spec.text.size() - 2));
      } else {
        // A specifier without a local label ignores the candidate's.
        equal = compare(v.has_local() ? c : public_version(c), v) == 0;
      }
      return equal == (spec.op == SpecOp::kEqual);
    }
    case SpecOp::kLessEqual: return compare(public_version(c), v) <= 0;
    case SpecOp::kGreaterEqual: return compare(public_version(c), v) >= 0;
    case SpecOp::kLess:
      if (compare(c, v) >= 0) return false;
      // "<3.1" must not admit 3.1.dev0 or 3.1a1 unless it names a pre-release.
      return v.is_prerelease() || !c.is_prerelease() || !same_base(c, v);
    case SpecOp::kGreater:
      if (compare(c, v) <= 0) return false;
      // ">3.1" must not admit 3.1.post1 (unless it names a post release) nor 3.1+local.
      if (!v.is_postrelease() && c.is_postrelease() && same_base(c, v)) return false;
      return !(c.has_local() && same_base(c, v));
    case SpecOp::kCompatible: {
      if (compare(public_version(c), v) < 0) return false;
      return prefix_match(c, compatible_prefix(spec.text));
    }
    case SpecOp::kArbitrary:
      // packaging compares the candidate's normalized form, not its spelling.
      return iequal(to_string(c), spec.text);
  }
  return false;
}

// packaging's Specifier.prereleases: an inclusive operator naming a
// pre-release lets pre-releases in.
bool admits_prereleases(const Specifier& spec) {
  switch (spec.op) {
    case SpecOp::kEqual:
    case SpecOp::kGreaterEqual:
    case SpecOp::kLessEqual:
    case SpecOp::kCompatible:
    case SpecOp::kArbitrary: return !spec.version.legacy && spec.version.is_prerelease();
    default: return false;
  }
}

bool contains_checked(const Specifier& spec, const Version& version) {
  if (version.legacy) return spec.op == SpecOp::kArbitrary && iequal(version.raw, spec.text);
  return compare_op(spec, version);
}

}  // namespace

std::string_view to_string(SpecOp op) {
  for (const auto& o : kOps) {
    if (o.op == op) return o.text;
  }
  return "";
}

Result<Specifier> parse_specifier(std::string_view text) {
  auto spec = detail::try_parse_specifier(text);
  if (!spec) return fail("invalid specifier '" + std::string(text) + "'");
  return std::move(*spec);
}

Result<SpecifierSet> parse_specifier_set(std::string_view text) {
  return detail::parse_specifier_list(text, false);
}

bool contains(const Specifier& spec, const Version& version, bool prereleases) {
  if (!prereleases && version.is_prerelease() && !admits_prereleases(spec)) return false;
  return contains_checked(spec, version);
}

bool contains(const SpecifierSet& set, const Version& version, bool prereleases) {
  if (!prereleases && version.is_prerelease() &&
      std::none_of(set.specifiers.begin(), set.specifiers.end(), admits_prereleases)) {
    return false;
  }
  return std::all_of(set.specifiers.begin(), set.specifiers.end(),
                     [&](const Specifier& s) { return contains_checked(s, version); });
}

bool contains(const SpecifierSet& set, std::string_view version, bool prereleases) {
  return contains(set, parse_version_or_legacy(version), prereleases);
}

std::string to_string(const Specifier& spec) {
  std::string out(to_string(spec.op));
  out.append(spec.text);
  return out;
}

std::string to_string(const SpecifierSet& set) {
  std::vector<std::pair<SpecOp, std::string>> seen;
  std::vector<std::string> texts;
  for (const Specifier& s : set.specifiers) {
    const auto v = parse_version(s.text);
    std::pair<SpecOp, std::string> key{s.op, v ? canonical(*v, s.op != SpecOp::kCompatible) : s.text};
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) continue;
    seen.push_back(std::move(key));
    texts.push_back(to_string(s));
  }
  std::sort(texts.begin(), texts.end());
  std::string out;
  for (const std::string& t : texts) {
    if (!out.empty()) out.push_back(',');
    out.append(t);
  }
  return out;
}

namespace detail {

std::optional<ScannedSpecifier> scan_specifier(std::string_view text, std::size_t pos) {
  return scan(text, pos);
}

std::optional<Specifier> try_parse_specifier(std::string_view text) {
  const std::string_view t = python_strip(text);
  auto scanned = scan(t, 0);
  if (!scanned || scanned->end != t.size()) return std::nullopt;
  return std::move(scanned->spec);
}

Result<SpecifierSet> parse_specifier_list(std::string_view text, bool skip_empty) {
  SpecifierSet set;
  if (python_strip(text).empty()) return set;
  std::size_t begin = 0;
  for (;;) {
    const std::size_t comma = text.find(',', begin);
    const std::string_view item =
        python_strip(text.substr(begin, comma == std::string_view::npos ? text.npos : comma - begin));
    if (!item.empty()) {
      auto spec = try_parse_specifier(item);
      if (!spec) return fail("invalid specifier '" + std::string(text) + "'");
      set.specifiers.push_back(std::move(*spec));
    } else if (!skip_empty) {
      return fail("invalid specifier '" + std::string(text) + "'");
    }
    if (comma == std::string_view::npos) break;
    begin = comma + 1;
  }
  return set;
}

}  // namespace detail

}  // namespace envlock::resolver
