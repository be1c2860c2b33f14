// detail::compare_code: pinned byte code and editable projects.

#include <gtest/gtest.h>

#include <sstream>

#include "resolver/compare_parts.hpp"

namespace envlock::resolver {
namespace {

using lockfile::Bytecode;
using lockfile::Fingerprint;
using lockfile::Package;

Package pkg(std::string name, std::string version, std::string location,
            std::optional<std::uint64_t> pinned) {
  Package p;
  p.name = std::move(name);
  p.version = std::move(version);
  p.location = std::move(location);
  p.bytecode_pinned = pinned;
  return p;
}

std::string run(const Fingerprint& lock, const Fingerprint& target,
                const Policy& policy = default_policy()) {
  std::vector<Finding> out;
  detail::compare_code(lock, target, policy, out);
  std::ostringstream text;
  for (const auto& f : out) {
    text << to_string(f.severity) << " " << f.category << " " << f.subject << " "
         << f.lock.value_or("null") << " " << f.target.value_or("null") << " | " << f.message
         << "\n";
  }
  return text.str();
}

const std::string kA = "/home/x/venv/lib/python3.11/site-packages";
const std::string kB = "/opt/venv/lib/python3.11/site-packages";
const std::string kPyc = "p/__pycache__/m.cpython-311.pyc";

Fingerprint with(std::optional<std::uint64_t> pinned, std::vector<Bytecode> pins,
                 const std::string& location = kA) {
  Fingerprint fp;
  fp.packages.push_back(pkg("p", "1.0", location, pinned));
  fp.bytecode = std::move(pins);
  return fp;
}

TEST(CompareCode, ChangedByteCodeBlocks) {
  auto lock = with(1, {{kPyc, "p", kA, "aa"}});
  EXPECT_EQ(run(lock, lock), "");
  EXPECT_EQ(run(lock, with(1, {{kPyc, "p", kA, "bb"}})),
            "block file-modified " + kPyc + " aa bb | " + kPyc +
                " (p): byte code Python would load instead of its source differs from the lock "
                "(bytecode-modified)\n");
}

TEST(CompareCode, ByteCodeTheLockNeverSawBlocksByDefault) {
  auto lock = with(0, {});
  auto target = with(1, {{kPyc, "p", kA, "cc"}});
  EXPECT_EQ(run(lock, target),
            "block file-modified " + kPyc + " null cc | " + kPyc +
                " (p): byte code Python would load instead of its source, not in the lock "
                "(bytecode-new)\n");
  Policy relaxed = default_policy();
  relaxed.files_new_bytecode = Action::kWarn;
  EXPECT_EQ(run(lock, target, relaxed).substr(0, 5), "warn ");
}

TEST(CompareCode, FewerPycsLoadedIsFine) {
  // Stale or deleted byte code: Python compiles the (verified) source.
  EXPECT_EQ(run(with(1, {{kPyc, "p", kA, "aa"}}), with(0, {})), "");
}

TEST(CompareCode, MatchedBySiteRelativePath) {
  EXPECT_EQ(run(with(1, {{kPyc, "p", kA, "aa"}}), with(1, {{kPyc, "p", kB, "aa"}}, kB)), "");
}

TEST(CompareCode, NothingToCompareWhereOneScanDidNotLook) {
  // A --fast lock knows no byte code; a --fast check sees none.
  EXPECT_EQ(run(with(std::nullopt, {}), with(1, {{kPyc, "p", kA, "cc"}})), "");
  EXPECT_EQ(run(with(1, {{kPyc, "p", kA, "aa"}}), with(std::nullopt, {})), "");
}

TEST(CompareCode, AnotherVersionOrAnIgnoredPackageIsLeftToThePackageFindings) {
  auto lock = with(1, {{kPyc, "p", kA, "aa"}});
  auto target = with(1, {{kPyc, "p", kA, "bb"}});
  target.packages[0].version = "2.0";
  EXPECT_EQ(run(lock, target), "");
  Policy ignoring = default_policy();
  ignoring.ignore.insert("p");
  EXPECT_EQ(run(lock, with(1, {{kPyc, "p", kA, "bb"}}), ignoring), "");
}

TEST(CompareCode, EditedEditableProjectBlocks) {
  auto lock = with(0, {});
  lock.packages[0].direct_url = "file:///src/p";
  lock.packages[0].editable = lockfile::FileSummary{3, "sha256:11"};
  EXPECT_EQ(run(lock, lock), "");
  auto target = lock;
  target.packages[0].editable = lockfile::FileSummary{4, "sha256:22"};
  EXPECT_EQ(run(lock, target),
            "block file-modified file:///src/p sha256:11 sha256:22 | p 1.0: the sources of its "
            "editable project (file:///src/p) differ from the lock (3 files locked, 4 files "
            "now)\n");
  // A --fast scan hashes no project.
  target.packages[0].editable.reset();
  EXPECT_EQ(run(lock, target), "");
}

}  // namespace
}  // namespace envlock::resolver
