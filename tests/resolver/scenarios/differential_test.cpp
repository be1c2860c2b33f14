// Differential test: thousands of generated versions, specifiers, markers and
// requirements, each judged by envlock and by Python's `packaging` (what pip
// uses), every verdict compared. The oracle runs once per test, all cases
// over one file. Where envlock deliberately differs from packaging the case
// is recognized and checked against envlock's documented rule instead.

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "resolver/marker.hpp"
#include "resolver/name.hpp"
#include "resolver/requirement.hpp"
#include "resolver/specifier.hpp"
#include "resolver/version.hpp"
#include "support/paths.hpp"
#include "support/process.hpp"

namespace envlock::resolver {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;


/// A small, fully specified generator: the same cases on every platform.
class Gen {
 public:
  explicit Gen(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    state_ += 0x9E3779B97F4A7C15ull;
    std::uint64_t z = state_;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(next() % n); }
  bool chance(int percent) { return below(100) < static_cast<std::size_t>(percent); }
  template <class T>
  const T& pick(const std::vector<T>& items) { return items[below(items.size())]; }

 private:
  std::uint64_t state_;
};

std::string sep(Gen& g) {
  static const std::vector<std::string> seps = {"", "", "", ".", "-", "_"};
  return g.pick(seps);
}

/// Whitespace as Python sees it (and a few look-alikes it does not).
std::string space(Gen& g) {
  static const std::vector<std::string> spaces = {
      " ", "\t", "\n", "  ", "\r", "\f", "\v", "\x1c", "\x1f", "\u00a0", "\u2003", "\u3000",
      "\u0085", "\u180e", "\u200b", "\u00e9"};
  return g.pick(spaces);
}

std::string mutate_bytes(Gen& g, std::string s) {
  static const std::string alphabet = "0123456789.-_+!*abcdeprvlostxyzAB ~=<>,;()[]@'\"\\";
  const std::size_t n = 1 + g.below(2);
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t at = s.empty() ? 0 : g.below(s.size() + 1);
    switch (g.below(3)) {
      case 0: s.insert(at, 1, alphabet[g.below(alphabet.size())]); break;
      case 1:
        if (at < s.size()) s.erase(at, 1);
        break;
      default:
        if (at < s.size()) s[at] = alphabet[g.below(alphabet.size())];
    }
  }
  return s;
}

std::string number(Gen& g) {
  static const std::vector<std::string> nums = {"0", "1", "2", "3", "10", "01", "00", "9",
                                                "11", "2024", "12345678901234567890123"};
  return g.pick(nums);
}

std::string word_case(Gen& g, std::string w) {
  if (g.chance(15)) {
    for (char& c : w) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  } else if (g.chance(10) && !w.empty()) {
    w[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(w[0])));
  }
  return w;
}

/// A version, mostly valid, with every spelling PEP 440 allows.
std::string gen_version(Gen& g, bool allow_local = true, bool small = false) {
  std::string v;
  if (g.chance(8)) v += space(g);
  if (g.chance(8)) v += g.chance(50) ? "v" : "V";
  if (g.chance(10)) v += g.pick(std::vector<std::string>{"0", "1", "2"}) + "!";
  const std::size_t parts = 1 + g.below(small ? 3 : 4);
  for (std::size_t i = 0; i < parts; ++i) {
    if (i) v += ".";
    v += small ? g.pick(std::vector<std::string>{"0", "1", "2"}) : number(g);
  }
  if (g.chance(25)) {
    v += sep(g) + word_case(g, g.pick(std::vector<std::string>{"a", "b", "c", "rc", "alpha", "beta",
                                                               "pre", "preview"}));
    v += sep(g);
    if (g.chance(75)) v += small ? g.pick(std::vector<std::string>{"0", "1"}) : number(g);
  }
  if (g.chance(20)) {
    if (g.chance(30)) {
      v += "-" + (small ? std::string("1") : number(g));
    } else {
      v += sep(g) + word_case(g, g.pick(std::vector<std::string>{"post", "rev", "r"})) + sep(g);
      if (g.chance(75)) v += small ? g.pick(std::vector<std::string>{"0", "1"}) : number(g);
    }
  }
  if (g.chance(20)) {
    v += sep(g) + word_case(g, "dev") + sep(g);
    if (g.chance(75)) v += small ? g.pick(std::vector<std::string>{"0", "1"}) : number(g);
  }
  if (allow_local && g.chance(15)) {
    v += "+";
    const std::size_t n = 1 + g.below(3);
    for (std::size_t i = 0; i < n; ++i) {
      if (i) v += g.pick(std::vector<std::string>{".", "-", "_"});
      v += g.pick(std::vector<std::string>{"abc", "1", "01", "cu118", "CPU", "ubuntu", "0", "z9"});
    }
  }
  if (g.chance(8)) v += space(g);
  return v;
}

bool valid_utf8(const std::string& s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const std::size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (std::size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 2) return false;
    }
    i += n;
  }
  return true;
}

/// Damages a string: the invalid forms next to the valid ones.
std::string mutate(Gen& g, std::string s) {
  const std::string original = s;
  s = mutate_bytes(g, s);
  return valid_utf8(s) ? s : original;
}

/// Short strings over the characters the grammars care about, for the
/// corners no template reaches.
std::string random_text(Gen& g, const std::string& alphabet, std::size_t max_len) {
  std::string s;
  const std::size_t n = g.below(max_len + 1);
  for (std::size_t i = 0; i < n; ++i) s += alphabet[g.below(alphabet.size())];
  return s;
}

const std::string kVersionChars = "0123456789.!+-_*vVaAbBcCrRpPeEoOsStTdDlLhHwWiI \t";
const std::string kRequirementChars =
    "abcdefinorstuvxyz_.-0123456789=<>~!,;()[]@:/'\" \t*";

/// A version near `base`: the boundaries specifiers care about.
std::string near_version(Gen& g, const std::string& base) {
  std::string v = base;
  while (!v.empty() && v.back() == '*') v.pop_back();
  while (!v.empty() && (v.back() == '.' || v.back() == ' ')) v.pop_back();
  if (const auto plus = v.find('+'); plus != std::string::npos && g.chance(50)) v.erase(plus);
  switch (g.below(9)) {
    case 0: return v;
    case 1: return v + ".0";
    case 2: return v + g.pick(std::vector<std::string>{"a1", "rc1", ".dev0", "b2.dev1"});
    case 3: return v + g.pick(std::vector<std::string>{".post1", ".post1.dev1", "-1"});
    case 4: return v + g.pick(std::vector<std::string>{"+local", "+1", "+cu118"});
    case 5: return v + ".1";
    case 6: return "1!" + v;
    case 7: return gen_version(g, true, true);
    default: return mutate(g, v);
  }
}

std::string gen_specifier(Gen& g) {
  static const std::vector<std::string> ops = {"==", "!=", "<=", ">=", "<", ">", "~=", "===",
                                               "==", ">=", "<", "="};
  std::string op = g.pick(ops);
  std::string s = g.pick(std::vector<std::string>{"", "", "", " ", "\t"}) + op;
  if (g.chance(15)) s += space(g);
  std::string v = gen_version(g, op == "==" || op == "!=" || g.chance(10), true);
  while (!v.empty() && std::isspace(static_cast<unsigned char>(v.back()))) v.pop_back();
  while (!v.empty() && std::isspace(static_cast<unsigned char>(v.front()))) v.erase(0, 1);
  if ((op == "==" || op == "!=") && g.chance(30) && v.find_first_of("+abcdeprvABCDEPRV") == v.npos) {
    v += ".*";
  }
  if (op == "===" && g.chance(30)) {
    v = g.pick(std::vector<std::string>{"foo", "1.0-custom", "FOO", "a\u00a0b", "x;y", "(1)"});
  }
  s += v;
  if (g.chance(15)) s += space(g);
  if (g.chance(8)) s = mutate(g, s);
  return s;
}

std::string gen_specifier_set(Gen& g, std::string* anchor) {
  const std::size_t n = g.below(10) == 0 ? 0 : 1 + g.below(3);
  std::string s;
  for (std::size_t i = 0; i < n; ++i) {
    if (i) s += g.pick(std::vector<std::string>{",", ", ", " ,", ",,"});
    const std::string one = gen_specifier(g);
    if (i == 0) *anchor = one;
    s += one;
  }
  if (g.chance(3)) s += ",";
  return s;
}

std::string quoted(Gen& g, const std::string& v) {
  return g.chance(50) ? "'" + v + "'" : "\"" + v + "\"";
}

std::string ws(Gen& g) { return g.pick(std::vector<std::string>{"", " ", " ", "  ", "\t"}); }

std::string gen_comparison(Gen& g) {
  static const std::vector<std::string> vars = {
      "python_version", "python_full_version", "os_name", "os.name", "sys_platform",
      "sys.platform", "platform_machine", "platform.machine", "platform_system",
      "platform_release", "implementation_name", "implementation_version",
      "platform_python_implementation", "python_implementation", "platform_version",
      "platform.python_implementation", "extra", "extra", "extra", "python_versions",
      "platform.release"};
  static const std::vector<std::string> ops = {"==", "!=", "<", "<=", ">", ">=", "~=", "===",
                                               "in", "not in", "not  in", "==", ">=", "<"};
  static const std::vector<std::string> values = {
      "3.8", "3.11", "3.11.7", "3.12", "3", "2.7", "3.*", "3.11.*", "3.11.0rc1", "3.10",
      "linux", "posix", "nt", "win32", "darwin", "Linux", "Windows", "x86_64", "aarch64",
      "CPython", "PyPy", "cpython", "6.1.0-18-amd64", "5.10", "Foo_Bar", "foo-bar", "gpu", "GPU",
      "test", "3.8 3.9", "", "x86", "#1 SMP", "1.0", "a\\x41", "q\\'s", "tab\\t", " 3.8",
      "3.11\u00a0", "3.11\\u00a0", "\u00e9", "3.11\\n", "\\\\", "\\101\\0", "3.8\\\n"};
  const std::string var = g.pick(vars);
  const std::string op = g.pick(ops);
  const std::string value = quoted(g, g.pick(values));
  if (g.chance(75)) return var + ws(g) + op + ws(g) + value;
  return value + ws(g) + op + ws(g) + var;
}

std::string gen_marker(Gen& g, int depth) {
  const std::size_t n = 1 + g.below(depth > 0 ? 3 : 2);
  std::string m;
  for (std::size_t i = 0; i < n; ++i) {
    if (i) m += g.pick(std::vector<std::string>{" and ", " or ", " and ", " or ", "and ", " or"});
    if (depth < 3 && g.chance(25)) {
      m += "(" + ws(g) + gen_marker(g, depth + 1) + ws(g) + ")";
    } else {
      m += gen_comparison(g);
    }
  }
  return m;
}

json gen_env(Gen& g) {
  json env = {{"python_version", "3.11"},
              {"python_full_version", "3.11.7"},
              {"os_name", "posix"},
              {"sys_platform", "linux"},
              {"platform_machine", "x86_64"},
              {"platform_system", "Linux"},
              {"platform_release", "6.1.0-18-amd64"},
              {"implementation_name", "cpython"},
              {"implementation_version", "3.11.7"},
              {"platform_python_implementation", "CPython"},
              {"platform_version", "#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1"},
              {"extra", ""}};
  if (g.chance(30)) {
    env["python_version"] = "3.8";
    env["python_full_version"] = g.pick(std::vector<std::string>{"3.8.10", "3.8.0rc1", "3.8"});
  }
  if (g.chance(20)) {
    env["os_name"] = "nt";
    env["sys_platform"] = "win32";
    env["platform_system"] = "Windows";
    env["platform_machine"] = "AMD64";
  }
  if (g.chance(15)) env["platform_release"] = g.pick(std::vector<std::string>{"5.10", "6.1.0"});
  if (g.chance(15)) env["implementation_name"] = "pypy";
  if (g.chance(50)) {
    env["extra"] = g.pick(std::vector<std::string>{"gpu", "Foo_Bar", "foo.bar", "test", "GPU"});
  }
  return env;
}

MarkerEnv to_env(const json& j) {
  MarkerEnv e;
  e.python_version = j["python_version"];
  e.python_full_version = j["python_full_version"];
  e.os_name = j["os_name"];
  e.sys_platform = j["sys_platform"];
  e.platform_machine = j["platform_machine"];
  e.platform_system = j["platform_system"];
  e.platform_release = j["platform_release"];
  e.implementation_name = j["implementation_name"];
  e.implementation_version = j["implementation_version"];
  e.platform_python_implementation = j["platform_python_implementation"];
  e.platform_version = j["platform_version"];
  return e;
}

std::string gen_requirement(Gen& g) {
  static const std::vector<std::string> names = {"foo", "Foo_Bar.baz", "a", "requests", "foo_",
                                                 "zope.interface", "foo-", "-foo", "1abc", "x--y"};
  static const std::vector<std::string> urls = {
      "https://example.com/pkg-1.0.whl", "file:///tmp/pkg.whl", "file:/tmp/pkg.whl",
      "FILE:///tmp/x", "git+https://github.com/a/b@v1#egg=x", "foo", "http://", "file://host/x",
      "file:///x?", "file:///x#", "file:///x?q=1#f", "https://[::1/x", "file://", "C:/x",
      "https://h/x;p", "ftp://h/x;"};
  std::string r = ws(g) + g.pick(names);
  if (g.chance(25)) {
    r += ws(g) + "[" + ws(g);
    const std::size_t n = g.below(3);
    for (std::size_t i = 0; i < n; ++i) {
      if (i) r += ws(g) + g.pick(std::vector<std::string>{",", ",", " "}) + ws(g);
      r += g.pick(std::vector<std::string>{"gpu", "Foo_Bar", "foo-bar", "test", "s3"});
    }
    r += ws(g) + "]";
  }
  bool url = false;
  if (g.chance(20)) {
    url = true;
    r += ws(g) + "@" + ws(g) + g.pick(urls);
  } else if (g.chance(70)) {
    std::string anchor;
    std::string specs = gen_specifier_set(g, &anchor);
    if (g.chance(30)) specs = "(" + ws(g) + specs + ws(g) + ")";
    r += ws(g) + specs;
  }
  if (g.chance(35)) r += (url ? g.pick(std::vector<std::string>{" ", " ", ""}) : ws(g)) + ";" +
                         ws(g) + gen_marker(g, 1);
  r += g.pick(std::vector<std::string>{"", "", "", " ", "\n", "\t"});
  if (g.chance(10)) r = mutate(g, r);
  return r;
}

struct Oracle {
  std::string origin;  ///< "packaging 23.0"
  std::vector<json> answers;

  /// packaging before 22 (what pip vendored until 2023) still had
  /// LegacyVersion and a pyparsing grammar; envlock follows the current
  /// parser, so only versions are compared against an older one.
  bool modern() const {
    const std::size_t space = origin.rfind(' ');
    return space != std::string::npos && std::atoi(origin.c_str() + space + 1) >= 22;
  }
};

/// Runs packaging over all `cases` in one process; empty answers when no
/// Python with packaging is available (the test then skips).
Oracle run_oracle(const std::vector<json>& cases) {
  Oracle out;
  std::string python;
  if (std::system("/usr/bin/python3 -c 'import packaging.requirements' >/dev/null 2>&1") == 0) {
    python = "/usr/bin/python3";
  } else if (std::system("python3 -c 'import pip._vendor.packaging' >/dev/null 2>&1") == 0) {
    python = "python3";
  } else {
    return out;
  }
  envlock::testing::TempDir dir;
  const fs::path root(dir.path());
  {
    std::ofstream in(root / "cases.jsonl");
    for (const json& c : cases) in << c.dump() << "\n";
  }
  const std::string cmd = python + " " + test_support::tests_dir() +
                          "/resolver/scenarios/differential_oracle.py " + (root / "cases.jsonl").string() +
                          " " + (root / "answers.jsonl").string();
  if (std::system(cmd.c_str()) == 0) {
    std::ifstream answers(root / "answers.jsonl");
    std::string line;
    if (std::getline(answers, line)) out.origin = json::parse(line)["origin"];
    while (std::getline(answers, line)) out.answers.push_back(json::parse(line));
  }
  return out;
}

/// Collects disagreements; the test fails with the first few printed.
class Mismatches {
 public:
  void add(const std::string& what) {
    if (count_++ < 25) log_ << what << "\n";
  }
  int count() const { return count_; }
  std::string log() const { return log_.str(); }

 private:
  int count_ = 0;
  std::ostringstream log_;
};

/// The fixed seeds make every run the same. For a deeper search by hand,
/// ENVLOCK_DIFFERENTIAL_SEED shifts every seed and ENVLOCK_DIFFERENTIAL_SCALE
/// multiplies the case counts.
std::uint64_t seed(std::uint64_t base) {
  const char* shift = std::getenv("ENVLOCK_DIFFERENTIAL_SEED");
  return base + (shift ? std::strtoull(shift, nullptr, 10) : 0);
}

int count(int base) {
  const char* scale = std::getenv("ENVLOCK_DIFFERENTIAL_SCALE");
  return base * (scale ? std::max(1, std::atoi(scale)) : 1);
}

#define ORACLE_OR_SKIP(oracle, cases)                                               \
  if ((oracle).answers.empty()) GTEST_SKIP() << "no Python with packaging found"; \
  ASSERT_EQ((oracle).answers.size(), (cases).size());                             \
  RecordProperty("oracle", (oracle).origin)

#define MODERN_ORACLE_OR_SKIP(oracle, cases) \
  ORACLE_OR_SKIP(oracle, cases);             \
  if (!(oracle).modern()) GTEST_SKIP() << (oracle).origin << " predates packaging 22"

TEST(DifferentialTest, VersionsParseAndNormalizeLikePackaging) {
  Gen g(seed(20261127));
  std::vector<json> cases;
  for (int i = 0; i < count(6000); ++i) {
    std::string v = gen_version(g);
    if (g.chance(25)) v = mutate(g, v);
    if (g.chance(15)) v = random_text(g, kVersionChars, 12);
    cases.push_back({{"k", "version"}, {"s", v}});
  }
  const Oracle oracle = run_oracle(cases);
  ORACLE_OR_SKIP(oracle, cases);
  Mismatches bad;
  int valid = 0;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const std::string text = cases[i]["s"];
    const json& want = oracle.answers[i];
    const auto got = parse_version(text);
    if (got.has_value() != want["ok"].get<bool>()) {
      bad.add("parse " + json(text).dump() + ": packaging " + want.dump());
      continue;
    }
    if (!got) continue;
    ++valid;
    const json mine = {{"ok", true},
                       {"s", to_string(*got)},
                       {"pre", got->is_prerelease()},
                       {"post", got->is_postrelease()},
                       {"public", to_string(public_version(*got))},
                       {"base", to_string(base_version(*got))}};
    if (mine != want) bad.add(json(text).dump() + ": ours " + mine.dump() + " packaging " + want.dump());
  }
  EXPECT_GT(valid, 2000);
  EXPECT_EQ(bad.count(), 0) << oracle.origin << "\n" << bad.log();
}

TEST(DifferentialTest, VersionOrderIsPackagings) {
  Gen g(seed(4242));
  std::vector<std::string> pool;
  while (pool.size() < 600u * static_cast<unsigned>(count(1))) {
    const std::string v = gen_version(g, true, true);
    if (parse_version(v)) pool.push_back(v);
  }
  std::vector<json> cases;
  for (int i = 0; i < count(8000); ++i) {
    cases.push_back({{"k", "cmp"}, {"a", g.pick(pool)}, {"b", g.pick(pool)}});
  }
  const Oracle oracle = run_oracle(cases);
  ORACLE_OR_SKIP(oracle, cases);
  Mismatches bad;
  int ties = 0;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const std::string a = cases[i]["a"];
    const std::string b = cases[i]["b"];
    const int want = oracle.answers[i]["c"];
    const int got = compare(*parse_version(a), *parse_version(b));
    const int sign = (got > 0) - (got < 0);
    if (want == 0) ++ties;
    if (sign != want) bad.add(json(a).dump() + " vs " + json(b).dump() + ": ours " +
                              std::to_string(sign) + " packaging " + std::to_string(want));
    if (versions_equal(a, b) != (want == 0)) bad.add("versions_equal " + a + " " + b);
  }
  EXPECT_GT(ties, 100);
  EXPECT_EQ(bad.count(), 0) << oracle.origin << "\n" << bad.log();
}

std::string trim_copy(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\n\r\f\v");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\n\r\f\v") - b + 1);
}

bool has_empty_item(const std::string& s) {
  std::size_t begin = 0;
  if (trim_copy(s).empty()) return false;
  for (;;) {
    const std::size_t comma = s.find(',', begin);
    const std::string item = s.substr(begin, comma == std::string::npos ? std::string::npos : comma - begin);
    if (trim_copy(item).empty()) return true;
    if (comma == std::string::npos) return false;
    begin = comma + 1;
  }
}

TEST(DifferentialTest, SpecifiersContainLikePackaging) {
  Gen g(seed(977));
  std::vector<json> cases;
  for (int i = 0; i < count(8000); ++i) {
    std::string anchor;
    const std::string set = gen_specifier_set(g, &anchor);
    std::string base = anchor;
    base.erase(0, base.find_first_not_of(" \t=!<>~"));
    const std::string v = g.chance(80) ? near_version(g, base) : gen_version(g);
    if (g.chance(10)) {
      const std::string text = random_text(g, "0123456789.*!+-_=<>~, abcrpostdev", 10);
      cases.push_back({{"k", "spec"}, {"s", text}, {"v", v}});
      continue;
    }
    cases.push_back({{"k", "spec"}, {"s", set}, {"v", v}});
  }
  const Oracle oracle = run_oracle(cases);
  MODERN_ORACLE_OR_SKIP(oracle, cases);
  Mismatches bad;
  int valid = 0, matched = 0;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const std::string text = cases[i]["s"];
    const std::string v = cases[i]["v"];
    const json& want = oracle.answers[i];
    const auto got = parse_specifier_set(text);
    if (got.has_value() != want["ok"].get<bool>()) {
      // Deliberate: an empty item is an error here (PEP 440 grammar),
      // packaging drops it.
      if (!got && want["ok"].get<bool>() && has_empty_item(text)) continue;
      bad.add("parse " + json(text).dump() + ": packaging " + want.dump());
      continue;
    }
    if (!got) {
      EXPECT_EQ(got.error().message, "invalid specifier '" + text + "'");
      continue;
    }
    ++valid;
    if (to_string(*got) != want["s"].get<std::string>()) {
      bad.add("str " + json(text).dump() + ": ours " + to_string(*got) + " packaging " + want.dump());
    }
    const bool in = contains(*got, v, true);
    if (want["in"].is_null()) {
      // packaging raises for a non-PEP 440 candidate; ours: only === of the
      // same text matches.
      EXPECT_FALSE(parse_version(v).has_value()) << text << " " << v;
      continue;
    }
    if (in) ++matched;
    if (in != want["in"].get<bool>()) {
      bad.add(json(v).dump() + " in " + json(text).dump() + ": ours " + (in ? "true" : "false") +
              " packaging " + want.dump());
    }
    if (!want["default"].is_null() && contains(*got, v, false) != want["default"].get<bool>()) {
      bad.add(json(v).dump() + " in " + json(text).dump() + " (no prereleases): packaging " +
              want.dump());
    }
  }
  EXPECT_GT(valid, 3000);
  EXPECT_GT(matched, 600);
  EXPECT_EQ(bad.count(), 0) << oracle.origin << "\n" << bad.log();
}

/// packaging evaluates `var op var` and `'lit' op 'lit'` wrongly (the second
/// variable's name is used as its value; a literal is looked up as a
/// variable and raises). envlock evaluates both sides; such cases are
/// left out of the comparison.
bool compares_like_with_like(const Marker& m) {
  if (m.comparison) return m.comparison->lhs.variable.has_value() == m.comparison->rhs.variable.has_value();
  for (const Marker& t : m.terms) {
    if (compares_like_with_like(t)) return true;
  }
  return false;
}

void compare_requirement(const std::string& text, const json& env, const json& want,
                         Mismatches& bad, int& evaluated) {
  const auto got = parse_requirement(text);
  if (got.has_value() != want["ok"].get<bool>()) {
    bad.add("parse " + json(text).dump() + ": ours " + (got ? "ok" : got.error().message) +
            " packaging " + want.dump());
    return;
  }
  if (!got) return;
  std::vector<std::string> extras;
  for (const auto& e : want["extras"]) extras.push_back(normalize_name(e.get<std::string>()));
  std::sort(extras.begin(), extras.end());
  extras.erase(std::unique(extras.begin(), extras.end()), extras.end());
  std::vector<std::string> our_extras = got->extras;
  std::sort(our_extras.begin(), our_extras.end());
  const json mine = {{"name", got->raw_name},
                     {"extras", our_extras},
                     {"spec", to_string(got->specifier)},
                     {"url", got->url},
                     {"marker", got->marker.has_value()}};
  const json theirs = {{"name", want["name"]},
                       {"extras", extras},
                       {"spec", want["spec"]},
                       {"url", want["url"]},
                       {"marker", want["marker"]}};
  if (mine != theirs) {
    bad.add(json(text).dump() + ": ours " + mine.dump() + " packaging " + theirs.dump());
    return;
  }
  if (!got->marker || want["eval"].is_null() || compares_like_with_like(*got->marker)) return;
  ++evaluated;
  const bool result = evaluate(*got->marker, to_env(env), env["extra"].get<std::string>());
  if (result != want["eval"].get<bool>()) {
    bad.add("evaluate " + json(text).dump() + " in " + env.dump() + ": ours " +
            (result ? "true" : "false"));
  }
}

TEST(DifferentialTest, MarkersEvaluateLikePackaging) {
  Gen g(seed(31337));
  std::vector<json> cases;
  std::vector<std::string> markers;
  for (int i = 0; i < count(6000); ++i) {
    std::string m = gen_marker(g, 0);
    if (g.chance(8)) m = mutate(g, m);
    markers.push_back(m);
    cases.push_back({{"k", "req"}, {"s", "name;" + m}, {"env", gen_env(g)}});
  }
  const Oracle oracle = run_oracle(cases);
  MODERN_ORACLE_OR_SKIP(oracle, cases);
  Mismatches bad;
  int evaluated = 0;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    compare_requirement(cases[i]["s"], cases[i]["env"], oracle.answers[i], bad, evaluated);
    // A marker on its own parses exactly when it does after "name;".
    const std::string& m = markers[i];
    if (!m.empty() && m.back() != '\n') {
      const bool alone = parse_marker(m).has_value();
      if (alone != oracle.answers[i]["ok"].get<bool>()) bad.add("parse_marker " + json(m).dump());
    }
  }
  EXPECT_GT(evaluated, 2000);
  EXPECT_EQ(bad.count(), 0) << oracle.origin << "\n" << bad.log();
}

TEST(DifferentialTest, RequirementsParseLikePackaging) {
  Gen g(seed(5150));
  std::vector<json> cases;
  for (int i = 0; i < count(6000); ++i) {
    const std::string r = g.chance(15) ? "x" + random_text(g, kRequirementChars, 16) : gen_requirement(g);
    cases.push_back({{"k", "req"}, {"s", r}, {"env", gen_env(g)}});
  }
  const Oracle oracle = run_oracle(cases);
  MODERN_ORACLE_OR_SKIP(oracle, cases);
  Mismatches bad;
  int evaluated = 0;
  int valid = 0;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    if (oracle.answers[i]["ok"].get<bool>()) ++valid;
    compare_requirement(cases[i]["s"], cases[i]["env"], oracle.answers[i], bad, evaluated);
  }
  EXPECT_GT(valid, 1500);
  EXPECT_EQ(bad.count(), 0) << oracle.origin << "\n" << bad.log();
}

}  // namespace
}  // namespace envlock::resolver
