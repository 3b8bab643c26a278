#include "linear_test_util.h"

#include <cmath>

namespace vole::test {

void expect_within(const std::vector<float>& got, const ref::LinearResult& want, double rtol, const std::string& what) {
  ASSERT_EQ(got.size(), want.y.size()) << what;
  size_t bad = 0, worst = 0;
  double worst_ratio = -1;  // error / allowed
  for (size_t i = 0; i < got.size(); ++i) {
    double err = std::fabs(static_cast<double>(got[i]) - want.y[i]);
    double allowed = rtol * want.magnitude[i] + 1e-30;
    double ratio = std::isnan(got[i]) ? INFINITY : err / allowed;
    if (!(ratio <= 1)) ++bad;
    if (!(ratio <= worst_ratio)) {
      worst_ratio = ratio;
      worst = i;
    }
  }
  EXPECT_EQ(bad, 0u) << what << ": " << bad << " of " << got.size() << " outputs beyond " << rtol
                     << " x magnitude; worst at " << worst << ": got " << got[worst] << ", want " << want.y[worst]
                     << " (magnitude " << want.magnitude[worst] << ", error/allowed " << worst_ratio << ")";
}

}  // namespace vole::test
