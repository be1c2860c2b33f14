#pragma once
// Where the tests find the fixtures, their helper scripts and the envlock
// binary under test.
//
// The two paths depend on where the checkout lives, so they are compiled into
// one file (paths.cpp) rather than into every test's command line: the other
// test files then compile the same in any checkout, and ccache can reuse their
// objects from one clone to the next (docs/ARCHITECTURE.md, "Build and CI").

namespace envlock::test_support {

/// The repository's fixtures/ directory.
const char* fixtures_dir();

/// The repository's tests/ directory (helper scripts such as oracles).
const char* tests_dir();

/// The envlock binary this build produced.
const char* envlock_binary();

}  // namespace envlock::test_support

#define ENVLOCK_FIXTURES (::envlock::test_support::fixtures_dir())
#define ENVLOCK_BINARY (::envlock::test_support::envlock_binary())
