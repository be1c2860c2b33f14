#include "support/paths.hpp"

// ENVLOCK_FIXTURES_DIR, ENVLOCK_TESTS_DIR and ENVLOCK_BINARY_PATH are given to this file alone
// (tests/CMakeLists.txt).
namespace envlock::test_support {

const char* fixtures_dir() { return ENVLOCK_FIXTURES_DIR; }

const char* tests_dir() { return ENVLOCK_TESTS_DIR; }

const char* envlock_binary() { return ENVLOCK_BINARY_PATH; }

}  // namespace envlock::test_support
