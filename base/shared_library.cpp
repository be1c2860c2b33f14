#include "base/shared_library.hpp"

#include <dlfcn.h>

namespace envlock {

Result<SharedLibrary> SharedLibrary::open(std::initializer_list<const char*> sonames, std::string_view purpose) {
  std::string tried;
  for (const char* soname : sonames) {
    // RTLD_LOCAL: its symbols serve only the calls resolved here.
    if (void* handle = ::dlopen(soname, RTLD_NOW | RTLD_LOCAL)) return SharedLibrary(handle, soname);
    const char* why = ::dlerror();
    tried += std::string(tried.empty() ? "" : "; ") + (why ? why : soname);
  }
  return fail(std::string(purpose) + ": " + tried);
}

void* SharedLibrary::lookup(const char* name) {
  void* symbol = ::dlsym(handle_, name);
  if (!symbol) missing_ += std::string(missing_.empty() ? "" : ", ") + name;
  return symbol;
}

Result<void> SharedLibrary::check() const {
  if (!missing_.empty()) return fail(soname_ + " lacks " + missing_);
  return {};
}

}  // namespace envlock
