#include "base/shared_library.hpp"

#include <gtest/gtest.h>

#include "scanner/support/native_build.hpp"

namespace envlock {
namespace {

using scanner::native_test::compile;
using scanner::native_test::TempDir;

class SharedLibraryBuilt : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(compile("int answer(void) { return 42; }\nint twice(int x) { return 2 * x; }\n", lib, "-shared -fPIC"),
              "");
  }
  TempDir dir;
  std::string lib = dir / "libanswer.so";
};

TEST_F(SharedLibraryBuilt, ResolvesAndCallsWhatItFinds) {
  auto opened = SharedLibrary::open({"libenvlock-not-there.so.1", lib.c_str()}, "cannot load the test library");
  ASSERT_TRUE(opened) << opened.error().message;
  int (*answer)() = nullptr;
  int (*twice)(int) = nullptr;
  opened->resolve("answer", answer);
  opened->resolve("twice", twice);
  ASSERT_TRUE(opened->check()) << opened->check().error().message;
  ASSERT_NE(answer, nullptr);
  EXPECT_EQ(answer(), 42);
  EXPECT_EQ(twice(21), 42);
}

TEST_F(SharedLibraryBuilt, CheckNamesEveryMissingFunction) {
  auto opened = SharedLibrary::open({lib.c_str()}, "unused");
  ASSERT_TRUE(opened);
  int (*answer)() = nullptr;
  int (*gone)() = nullptr;
  int (*also_gone)() = nullptr;
  opened->resolve("gone", gone);
  opened->resolve("answer", answer);
  opened->resolve("also_gone", also_gone);
  EXPECT_EQ(gone, nullptr);
  EXPECT_NE(answer, nullptr);
  auto checked = opened->check();
  ASSERT_FALSE(checked);
  EXPECT_EQ(checked.error().message, lib + " lacks gone, also_gone");
}

TEST(SharedLibrary, NothingFoundNamesThePurposeAndEverySonameTried) {
  auto opened = SharedLibrary::open({"libenvlock-a.so.1", "libenvlock-b.so.2"}, "cannot load X (install x)");
  ASSERT_FALSE(opened);
  const std::string& message = opened.error().message;
  EXPECT_TRUE(message.starts_with("cannot load X (install x): ")) << message;
  EXPECT_NE(message.find("libenvlock-a.so.1"), std::string::npos) << message;
  EXPECT_NE(message.find("; "), std::string::npos) << message;
  EXPECT_NE(message.find("libenvlock-b.so.2"), std::string::npos) << message;
}

}  // namespace
}  // namespace envlock
