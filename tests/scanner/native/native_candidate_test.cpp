#include "scanner/native/native_candidate.hpp"

#include <gtest/gtest.h>

namespace envlock::scanner {
namespace {

TEST(NativeCandidate, MayBeNative) {
  EXPECT_TRUE(may_be_native("/s/numpy/core/_multiarray_umath.cpython-311-x86_64-linux-gnu.so"));
  EXPECT_TRUE(may_be_native("/s/numpy.libs/libopenblas64_p-r0-15028c96.3.21.so"));
  EXPECT_TRUE(may_be_native("/s/nvidia/cudnn/lib/libcudnn.so.8"));
  EXPECT_TRUE(may_be_native("/s/torch/bin/torch_shm_manager"));
  EXPECT_FALSE(may_be_native("/s/numpy/__init__.py"));
  EXPECT_FALSE(may_be_native("/s/numpy-1.26.4.dist-info/RECORD"));
  EXPECT_FALSE(may_be_native("/s/pkg/__pycache__/x"));
  EXPECT_FALSE(may_be_native("/s/pkg/solver.sol"));
}

}  // namespace
}  // namespace envlock::scanner
