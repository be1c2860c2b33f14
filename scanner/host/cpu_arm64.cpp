// The aarch64 instruction path: the kernel hands each process its hardware
// capabilities in the auxiliary vector. Compiled only on aarch64
// (scanner/CMakeLists.txt picks *_arm64.cpp by architecture); the bit names
// live in portable code (decode_arm64_hwcaps in cpu_probe.cpp).

#include <sys/auxv.h>

#include "scanner/host/cpu_probe.hpp"

#ifndef AT_HWCAP2
#define AT_HWCAP2 26  // include/uapi/linux/auxvec.h; older libc headers lack it
#endif

namespace envlock::scanner {

CpuidFacts native_cpuid_facts() {
  CpuidFacts facts;
  facts.hwcap = getauxval(AT_HWCAP);
  facts.hwcap2 = getauxval(AT_HWCAP2);
  return facts;
}

std::vector<std::string> native_cpu_flags() {
  CpuidFacts facts = native_cpuid_facts();
  return decode_arm64_hwcaps(facts.hwcap, facts.hwcap2);
}

}  // namespace envlock::scanner
