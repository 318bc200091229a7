#pragma once
// Ring tests that run once per path through a kernel feature: on the feature itself, and with
// the feature forced off so the fallback runs. The native row skips, saying why, on a kernel
// without the feature; the fallback row runs everywhere.

#include <gtest/gtest.h>

#include <ostream>
#include <string>

#include "ring/ring.hpp"
#include "ring/ring_features.hpp"

namespace bro::ring {

struct FeaturePath {
    std::string name;             // the row's name, the last part of the test's name
    bool RingFeatures::*feature;  // the feature both rows are about
    bool native;                  // false: forced off, the fallback runs
    std::string needs;            // why a kernel may lack it: "IORING_OP_WAITID needs kernel 6.7"
};

inline void PrintTo(const FeaturePath& path, std::ostream* out) {
    *out << path.name;
}

inline std::string path_name(const ::testing::TestParamInfo<FeaturePath>& info) {
    return info.param.name;
}

// The two rows for `feature`, for INSTANTIATE_TEST_SUITE_P.
inline auto native_and_fallback(bool RingFeatures::*feature, const std::string& native_name,
                                const std::string& fallback_name, const std::string& needs) {
    return ::testing::Values(FeaturePath{native_name, feature, true, needs},
                             FeaturePath{fallback_name, feature, false, needs});
}

inline RingOptions options_for(const FeaturePath& path) {
    RingOptions options;
    if (!path.native) {
        options.adjust_features = [feature = path.feature](RingFeatures& f) { f.*feature = false; };
    }
    return options;
}

// A fixture whose ring_ takes the row's path.
class FeaturePathTest : public ::testing::TestWithParam<FeaturePath> {
  protected:
    FeaturePathTest() : ring_(options_for(GetParam())) {}

    void SetUp() override {
        if (GetParam().native && !(ring_.features().*GetParam().feature)) {
            GTEST_SKIP() << GetParam().needs << " (features: " << ring_.features().describe()
                         << ")";
        }
    }

    Ring ring_;
};

}  // namespace bro::ring
