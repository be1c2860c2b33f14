#pragma once
// Libraries envlock opens with dlopen when a command first needs them rather
// than linking them: libarchive (image scans) and libcurl (locks fetched by
// URL). Linked, each would cost every run the dynamic loader's work on it and
// on everything it pulls in (libarchive brings ICU, libxml2 and six
// compression libraries; libcurl some 25 TLS, Kerberos and LDAP libraries):
// together longer than the rest of a cached `scan --fast`. The headers still
// come from the -dev packages, so every call keeps its declared type.

#include <initializer_list>
#include <string>
#include <string_view>

#include "base/error.hpp"

namespace envlock {

class SharedLibrary {
 public:
  /// The first of `sonames` the dynamic loader finds. It stays loaded for the
  /// life of the process, as a linked library would. The error starts with
  /// `purpose` ("cannot load libarchive to read an image (install
  /// libarchive13)") and gives the loader's reason for each soname tried.
  static Result<SharedLibrary> open(std::initializer_list<const char*> sonames, std::string_view purpose);

  /// Points `fn` at the function `name`; a missing one is remembered for check().
  template <class Fn>
  void resolve(const char* name, Fn& fn) {
    // POSIX guarantees a dlsym result converts to a function pointer.
    fn = reinterpret_cast<Fn>(lookup(name));
  }

  /// Fails naming every function resolve() did not find
  /// ("libarchive.so.13 lacks archive_read_open1, archive_filter_bytes").
  Result<void> check() const;

 private:
  SharedLibrary(void* handle, std::string soname) : handle_(handle), soname_(std::move(soname)) {}
  void* lookup(const char* name);

  void* handle_;
  std::string soname_;
  std::string missing_;
};

/// What `Load` returns, computed on the first call only, failure included:
/// a library is opened once per process, and a missing one is not retried.
/// Thread-safe (a function-local static).
template <class Calls, Result<Calls> (*Load)()>
Result<const Calls*> load_once() {
  static const Result<Calls> loaded = Load();
  if (!loaded) return tl::unexpected(loaded.error());
  return &*loaded;
}

}  // namespace envlock
